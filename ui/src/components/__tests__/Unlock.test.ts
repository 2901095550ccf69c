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
    expect(error).toHaveTextContent("Wrong passphrase — the database was not changed.");
    await waitFor(() => expect(input).toHaveFocus());
    expect(onStatus).not.toHaveBeenCalled();
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
