//! From the bytes of a file to its rows: the encoding (UTF-8 with or without BOM, else Latin-1 as
//! Windows-1252, which is what Excel writes in Western Europe), the delimiter (`,` `;` or tab,
//! sniffed from the header line) and the records with the line each starts on.
//!
//! Rows whose every cell is blank (Excel leaves `;;;;` lines at the end of a sheet) are dropped
//! here, so previews, counts and the import agree on what a row is.

use crate::error::{Error, Result};

/// Largest file an import reads.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
/// Most data rows an import reads.
pub const MAX_ROWS: usize = 200_000;

/// A file's text and how it was written.
#[derive(Debug)]
pub struct Decoded {
    /// The text, without a BOM.
    pub text: String,
    /// `utf-8`, `utf-8-bom` or `latin-1`.
    pub encoding: &'static str,
    /// `b','`, `b';'` or `b'\t'`.
    pub delimiter: u8,
}

/// One data row as read.
#[derive(Debug)]
pub struct Row {
    /// The file line the row starts on; the header is line 1.
    pub line: u64,
    /// Its cells, as many as the file has (may differ from the header's count).
    pub cells: csv::StringRecord,
}

/// A parsed file: header and data rows.
#[derive(Debug)]
pub struct Table {
    /// The header row's cells, trimmed.
    pub headers: Vec<String>,
    /// Every non-blank data row, in file order.
    pub rows: Vec<Row>,
}

fn file_error(message: String) -> Error {
    Error::Field("file".into(), message)
}

/// Decodes `bytes` and sniffs its delimiter.
pub fn decode(bytes: &[u8]) -> Result<Decoded> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(file_error(format!(
            "the file is {:.1} MiB; at most 50 MiB can be imported at once: split it into smaller files",
            bytes.len() as f64 / (1024.0 * 1024.0)
        )));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(file_error(
            "the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" and import that".into(),
        ));
    }
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        (String::from_utf8_lossy(rest).into_owned(), "utf-8-bom")
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_owned(), "utf-8")
    } else {
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
        (text.into_owned(), "latin-1")
    };
    // Old Excel for Mac ends lines with a lone CR; the CSV reader ends records there but counts
    // lines by LF only, so every row would report the same line. One line ending for all.
    let text = if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text };
    let delimiter = sniff_delimiter(&text);
    Ok(Decoded { text, encoding, delimiter })
}

/// The delimiter of the header line (the first record: a quoted header may hold a line break):
/// whichever of tab, `;` and `,` occurs most outside quotes, in that order on a tie; `,` when none.
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            '\t' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            ',' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).rev().max_by_key(|&i| (counts[i], 2 - i)).unwrap_or(2);
    if counts[best] == 0 {
        return b',';
    }
    [b'\t', b';', b','][best]
}

/// The delimiter as the preview shows it.
pub fn delimiter_name(delimiter: u8) -> String {
    (delimiter as char).to_string()
}

/// Reads the header and the data rows (at most `limit`, if given, without counting past
/// [`MAX_ROWS`]). Returns the table and the number of data rows in the whole file.
pub fn read(decoded: &Decoded, limit: Option<usize>) -> Result<(Table, u64)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(decoded.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded.text.as_bytes());
    let mut records = reader.records();
    let headers = loop {
        match records.next() {
            None => return Err(file_error("the file is empty: it has no header row".into())),
            Some(record) => {
                let record = record.map_err(csv_error)?;
                if !is_blank(&record) {
                    break record.iter().map(|h| h.trim().to_owned()).collect::<Vec<_>>();
                }
            }
        }
    };
    let mut rows = Vec::new();
    let mut total = 0u64;
    for record in records {
        let record = record.map_err(csv_error)?;
        if is_blank(&record) {
            continue;
        }
        total += 1;
        if total as usize > MAX_ROWS {
            return Err(file_error(format!("the file has more than {MAX_ROWS} rows; split it into smaller files")));
        }
        if limit.is_none_or(|l| rows.len() < l) {
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            rows.push(Row { line, cells: record });
        }
    }
    Ok((Table { headers, rows }, total))
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|c| c.trim().is_empty())
}

fn csv_error(e: csv::Error) -> Error {
    let line = e.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    file_error(format!("{line}the file cannot be read as CSV ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_and_latin1_are_told_apart() {
        let bom = decode(b"\xEF\xBB\xBFname,phone\nJ\xC3\xBCrgen,1\n").unwrap();
        assert_eq!((bom.encoding, bom.text.as_str()), ("utf-8-bom", "name,phone\nJürgen,1\n"));
        let plain = decode("name\nJürgen\n".as_bytes()).unwrap();
        assert_eq!(plain.encoding, "utf-8");
        let latin = decode(b"Name;Stra\xDFe\nJ\xFCrgen;M\xFCnchen \x80\n").unwrap();
        assert_eq!(latin.encoding, "latin-1");
        assert_eq!(latin.text, "Name;Straße\nJürgen;München €\n");
        assert_eq!(latin.delimiter, b';');
    }

    #[test]
    fn utf16_and_huge_files_are_refused_with_a_reason() {
        let e = decode(b"\xFF\xFEn\x00").unwrap_err().to_string();
        assert!(e.contains("UTF-16"), "{e}");
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        assert!(decode(&big).unwrap_err().to_string().contains("50 MiB"));
    }

    #[test]
    fn delimiter_is_sniffed_from_the_header_outside_quotes() {
        assert_eq!(sniff_delimiter("a,b,c\n1;2;3;4;5"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("\"Name, full\";\"Phone, mobile\"\n"), b';');
        assert_eq!(sniff_delimiter("\"a\nb,c,d\";e\n"), b';');
        assert_eq!(sniff_delimiter("phone\n1,2,3"), b',');
        assert_eq!(sniff_delimiter("a;b,c\n"), b';');
    }

    #[test]
    fn rows_carry_their_file_line_and_blank_rows_are_dropped() {
        let d = decode(b" phone , note\n1,\"two\nlines\"\n,,\n , \n3,x\n4\n").unwrap();
        let (table, total) = read(&d, None).unwrap();
        assert_eq!(table.headers, ["phone", "note"]);
        assert_eq!(total, 3);
        let lines: Vec<u64> = table.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 6, 7]);
        assert_eq!(&table.rows[0].cells[1], "two\nlines");
        let (first, total) = read(&d, Some(1)).unwrap();
        assert_eq!((first.rows.len(), total), (1, 3));
    }

    #[test]
    fn cr_only_and_crlf_line_endings_give_true_line_numbers() {
        for file in [&b"phone\r1\r2\r\"a\rb\"\r3\r"[..], &b"phone\r\n1\r\n2\r\n\"a\r\nb\"\r\n3\r\n"[..]] {
            let (table, _) = read(&decode(file).unwrap(), None).unwrap();
            let lines: Vec<u64> = table.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3, 4, 6]);
            assert_eq!(&table.rows[2].cells[0], "a\nb");
        }
    }

    #[test]
    fn an_empty_file_has_no_header() {
        assert!(read(&decode(b"\n\n").unwrap(), None).unwrap_err().to_string().contains("empty"));
    }
}
