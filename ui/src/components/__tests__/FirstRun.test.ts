import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import FirstRun from "../FirstRun.svelte";
import { storeStatus } from "../../test/fixtures";
import { invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

function renderFirstRun(keychainAvailable: boolean) {
  const onStatus = vi.fn();
  const { container } = render(FirstRun, {
    props: { status: storeStatus({ keychain_available: keychainAvailable }), onStatus },
  });
  return { container, onStatus, user: userEvent.setup() };
}

describe("FirstRun", () => {
  it("offers the keychain button when a keychain is available", () => {
    const { container } = renderFirstRun(true);
    expect(container.querySelector("#first-run")).toBeInTheDocument();
    expect(container.querySelector("#use-keychain")).toHaveTextContent("Keep the key in the system keychain");
    expect(container.querySelector("#passphrase")).toHaveAttribute("type", "password");
    expect(screen.queryByTestId("no-keychain")).not.toBeInTheDocument();
  });

  it("says what Wadesk is for and that a Sandbox account is ready", () => {
    renderFirstRun(true);
    const purpose = screen.getByTestId("first-run-purpose");
    expect(purpose).toHaveTextContent(/WhatsApp Business number from this computer/);
    expect(purpose).toHaveTextContent(/templates, sends, delivery statuses and customer replies/);
    expect(purpose).toHaveTextContent(/credentials are kept here, encrypted/);
    expect(screen.getByTestId("sandbox-ready")).toHaveTextContent(/Sandbox account is ready to try/);
    expect(screen.getByTestId("sandbox-ready")).toHaveTextContent(/nothing real is sent/);
  });

  it("offers only the passphrase, and says why, when no keychain exists", () => {
    const { container } = renderFirstRun(false);
    expect(container.querySelector("#use-keychain")).not.toBeInTheDocument();
    expect(screen.queryByText(/Keep the key in the system keychain/)).not.toBeInTheDocument();
    expect(screen.queryByText(/Or protect it with a passphrase/)).not.toBeInTheDocument();
    expect(screen.getByTestId("no-keychain")).toHaveTextContent(/no system keychain Wadesk can use, so a passphrase protects/);
    expect(screen.getByTestId("no-keychain")).toHaveTextContent(/cannot be recovered/);
    expect(container.querySelector("#passphrase")).toBeInTheDocument();
    expect(container.querySelector("#create-store")).toHaveClass("primary");
  });

  it("focuses the passphrase field and shows or hides what was typed", async () => {
    const { container, user } = renderFirstRun(false);
    const passphrase = container.querySelector<HTMLInputElement>("#passphrase")!;
    expect(passphrase).toHaveFocus();

    await user.type(passphrase, "correct horse");
    const toggle = container.querySelector<HTMLButtonElement>('[data-testid=password-toggle][aria-controls="passphrase"]')!;
    expect(toggle).toHaveTextContent("Show");
    await user.click(toggle);
    expect(passphrase).toHaveAttribute("type", "text");
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    await user.click(toggle);
    expect(passphrase).toHaveAttribute("type", "password");
    expect(container.querySelector("#passphrase-confirm")).toHaveAttribute("type", "password");
  });

  it("creates the store with a keychain key (passphrase null)", async () => {
    const created = storeStatus({ state: "unlocked", key_source: "keychain" });
    const invoke = routeCommands({ store_create: () => created });
    const { container, onStatus, user } = renderFirstRun(true);

    await user.click(container.querySelector("#use-keychain")!);

    expect(invoke).toHaveBeenCalledWith("store_create", { passphrase: null });
    expect(onStatus).toHaveBeenCalledWith(created);
  });

  it("does not invoke store_create when the passphrases differ", async () => {
    routeCommands({ store_create: () => storeStatus({ state: "unlocked" }) });
    const { container, onStatus, user } = renderFirstRun(false);

    await user.type(container.querySelector("#passphrase")!, "correct horse battery");
    await user.type(container.querySelector("#passphrase-confirm")!, "correct horse battery!");
    await user.click(container.querySelector("#create-store")!);

    const mismatch = screen.getByText("The two passphrases do not match.");
    expect(mismatch).toHaveAttribute("id", "passphrase-confirm-error");
    expect(container.querySelector("#passphrase-confirm")).toHaveAttribute("aria-invalid", "true");
    expect(container.querySelector("#passphrase-confirm")).toHaveAttribute("aria-describedby", "passphrase-confirm-error");
    expect(invokedCommands()).not.toContain("store_create");
    expect(onStatus).not.toHaveBeenCalled();

    // Editing the field clears its error.
    await user.type(container.querySelector("#passphrase-confirm")!, "{Backspace}");
    expect(screen.queryByText("The two passphrases do not match.")).not.toBeInTheDocument();
    expect(container.querySelector("#passphrase-confirm")).not.toHaveAttribute("aria-invalid");
  });

  it("does not invoke store_create for a passphrase under 8 characters", async () => {
    routeCommands({});
    const { container, user } = renderFirstRun(false);

    await user.type(container.querySelector("#passphrase")!, "short");
    await user.type(container.querySelector("#passphrase-confirm")!, "short");
    await user.click(container.querySelector("#create-store")!);

    expect(screen.getByText(/at least 8 characters long/)).toHaveAttribute("id", "passphrase-error");
    expect(container.querySelector("#passphrase")).toHaveFocus();
    expect(invokedCommands()).toEqual([]);

    await user.type(container.querySelector("#passphrase")!, "!");
    expect(container.querySelector("#passphrase-error")).not.toBeInTheDocument();
  });

  it("sends a valid passphrase and shows the core's weak_passphrase rejection at the field", async () => {
    const invoke = routeCommands({
      store_create: () => {
        throw { code: "weak_passphrase", message: "the passphrase must be at least 8 characters long" };
      },
    });
    const { container, onStatus, user } = renderFirstRun(true);

    await user.type(container.querySelector("#passphrase")!, "password");
    await user.type(container.querySelector("#passphrase-confirm")!, "password");
    await user.click(container.querySelector("#create-store")!);

    expect(invoke).toHaveBeenCalledWith("store_create", { passphrase: "password" });
    const error = await screen.findByTestId("field-error");
    expect(error).toHaveAttribute("data-for", "passphrase");
    expect(error).toHaveTextContent("This passphrase is too weak: the passphrase must be at least 8 characters long.");
    expect(container.querySelector("#passphrase")).toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
    expect(onStatus).not.toHaveBeenCalled();

    await user.type(container.querySelector("#passphrase")!, "s");
    expect(screen.queryByTestId("field-error")).not.toBeInTheDocument();
  });
});
