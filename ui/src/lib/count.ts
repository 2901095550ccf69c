/** "1 row" / "1,234 rows": a count in the user's locale with its noun. */
export function countOf(count: number, noun: string, plural = `${noun}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? noun : plural}`;
}

/** A message from the core as a sentence: its first letter upper case ("between 0.1 and …"). */
export function sentence(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}
