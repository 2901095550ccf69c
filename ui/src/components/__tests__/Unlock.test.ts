import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Unlock from "../Unlock.svelte";
import { storeStatus } from "../../test/fixtures";
import { routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const LOCKED_PASSPHRASE = storeStatus({ state: "locked", key_source: "passphrase" });
const LOCKED_KEYCHAIN = storeStatus({ state: "locked", key_source: "keychain" });

describe("Unlock with a passphrase", () => {
  it("submits on Enter and hands the new status up", async () => {
    const unlocked = storeStatus({ state: "unlocked", key_source: "passphrase" });
    const invoke = routeCommands({ store_unlock: () => unlocked });
    const onStatus = vi.fn();
    const { container } = render(Unlock, { props: { status: LOCKED_PASSPHRASE, onStatus } });

    await userEvent.type(container.querySelector("#unlock-passphrase")!, "correct horse{Enter}");

    expect(invoke).toHaveBeenCalledWith("store_unlock", { passphrase: "correct horse" });
    await waitFor(() => expect(onStatus).toHaveBeenCalledWith(unlocked));
  });

  it("explains a wrong passphrase and keeps the input focused", async () => {
    routeCommands({
      store_unlock: () => {
        throw { code: "wrong_passphrase", message: "decryption failed" };
      },
    });
    const onStatus = vi.fn();
    const { container } = render(Unlock, { props: { status: LOCKED_PASSPHRASE, onStatus } });
    const input = container.querySelector<HTMLInputElement>("#unlock-passphrase")!;

    await userEvent.type(input, "not it");
    await userEvent.click(container.querySelector("#unlock-button")!);

    const error = await screen.findByTestId("error");
    expect(error).toHaveAttribute("data-code", "wrong_passphrase");
    expect(error).toHaveTextContent("Wrong passphrase. Try again.");
    expect(error).not.toHaveTextContent("the database was not changed");
    const forgotten = screen.getByTestId("forgotten-passphrase");
    expect(forgotten).toHaveTextContent(/cannot be recovered: your data is encrypted with it/);
    expect(forgotten).toHaveTextContent(/a new database, and what is in this one would be lost/);
    // Said, not offered: there is no destructive action on this screen.
    expect(screen.getAllByRole("button").map((b) => b.textContent?.trim())).toEqual(["Show", "Unlock"]);
    expect(input).toHaveAttribute("aria-invalid", "true");
    await waitFor(() => expect(input).toHaveFocus());
    expect(onStatus).not.toHaveBeenCalled();

    // Editing clears the error.
    await userEvent.type(input, "!");
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
    expect(screen.queryByTestId("forgotten-passphrase")).not.toBeInTheDocument();
    expect(input).not.toHaveAttribute("aria-invalid");
  });

  it("focuses the passphrase and can show it", async () => {
    routeCommands({});
    const { container } = render(Unlock, { props: { status: LOCKED_PASSPHRASE, onStatus: vi.fn() } });
    const input = container.querySelector<HTMLInputElement>("#unlock-passphrase")!;
    expect(input).toHaveFocus();
    expect(input).toHaveAttribute("type", "password");
    expect(input).toHaveAttribute("autocomplete", "current-password");
    await userEvent.click(screen.getByRole("button", { name: "Show" }));
    expect(input).toHaveAttribute("type", "text");
    await userEvent.click(screen.getByRole("button", { name: "Hide" }));
    expect(input).toHaveAttribute("type", "password");
  });
});

describe("Unlock with a keychain key", () => {
  it("tries the keychain at once and shows why it failed, then retries on request", async () => {
    const invoke = routeCommands({
      store_unlock: () => {
        throw { code: "key_missing", message: "no entry" };
      },
    });
    const { container } = render(Unlock, { props: { status: LOCKED_KEYCHAIN, onStatus: vi.fn() } });

    const error = await screen.findByTestId("error");
    expect(error).toHaveAttribute("data-code", "key_missing");
    expect(error).toHaveTextContent(
      "The key for this database is missing from the keychain. Your data was not changed.",
    );
    expect(container.querySelector("#unlock-passphrase")).not.toBeInTheDocument();
    expect(invoke).toHaveBeenCalledWith("store_unlock", { passphrase: null });

    await userEvent.click(container.querySelector("#unlock-button")!);
    await waitFor(() => expect(invoke).toHaveBeenCalledTimes(2));
  });
});
