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

  it("hides the keychain button and explains why when no keychain exists", () => {
    const { container } = renderFirstRun(false);
    expect(container.querySelector("#use-keychain")).not.toBeInTheDocument();
    expect(screen.getByTestId("no-keychain")).toHaveTextContent(/No system keychain was found/);
    expect(screen.getByTestId("no-keychain")).toHaveTextContent(/cannot be recovered/);
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

    expect(screen.getByText("The two passphrases do not match.")).toBeInTheDocument();
    expect(invokedCommands()).not.toContain("store_create");
    expect(onStatus).not.toHaveBeenCalled();
  });

  it("does not invoke store_create for a passphrase under 8 characters", async () => {
    routeCommands({});
    const { container, user } = renderFirstRun(false);

    await user.type(container.querySelector("#passphrase")!, "short");
    await user.type(container.querySelector("#passphrase-confirm")!, "short");
    await user.click(container.querySelector("#create-store")!);

    expect(screen.getByText(/at least 8 characters/)).toBeInTheDocument();
    expect(container.querySelector("#passphrase")).toHaveFocus();
    expect(invokedCommands()).toEqual([]);
  });

  it("sends a valid passphrase and shows the server's weak_passphrase rejection", async () => {
    const invoke = routeCommands({
      store_create: () => {
        throw { code: "weak_passphrase", message: "too guessable" };
      },
    });
    const { container, onStatus, user } = renderFirstRun(true);

    await user.type(container.querySelector("#passphrase")!, "password");
    await user.type(container.querySelector("#passphrase-confirm")!, "password");
    await user.click(container.querySelector("#create-store")!);

    expect(invoke).toHaveBeenCalledWith("store_create", { passphrase: "password" });
    const error = await screen.findByTestId("error");
    expect(error).toHaveAttribute("data-code", "weak_passphrase");
    expect(error).toHaveTextContent(/too weak/);
    expect(onStatus).not.toHaveBeenCalled();
  });
});
