import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { PROVIDERS, SANDBOX_ACCOUNT, relayStatus, storeStatus } from "./test/fixtures";
import { routeCommands } from "./test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

describe("App", () => {
  it("shows the product name", async () => {
    routeCommands({ store_status: () => storeStatus() });
    render(App);
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Wadesk");
  });

  it.each([
    ["uninitialized", "first-run"],
    ["locked", "unlock"],
    ["unlocked", "accounts"],
  ] as const)("picks the %s screen", async (state, id) => {
    routeCommands({
      store_status: () => storeStatus({ state, key_source: "passphrase" }),
      providers_catalog: () => PROVIDERS,
      accounts_list: () => [SANDBOX_ACCOUNT],
    });
    const { container } = render(App);
    await vi.waitFor(() => expect(container.querySelector(`#${id}`)).toBeInTheDocument());
    for (const other of ["first-run", "unlock", "accounts"].filter((x) => x !== id)) {
      expect(container.querySelector(`#${other}`)).not.toBeInTheDocument();
    }
  });

  it("moves from unlock to accounts when unlocking succeeds", async () => {
    routeCommands({
      store_status: () => storeStatus({ state: "locked", key_source: "passphrase" }),
      store_unlock: () => storeStatus({ state: "unlocked", key_source: "passphrase" }),
      providers_catalog: () => PROVIDERS,
      accounts_list: () => [SANDBOX_ACCOUNT],
    });
    render(App);
    const input = await screen.findByLabelText("Passphrase");

    await userEvent.type(input, "correct horse{Enter}");

    expect(await screen.findByTestId("account-row")).toBeInTheDocument();
  });

  it("shows the relay indicator in the header once the store is unlocked", async () => {
    routeCommands({
      store_status: () => storeStatus({ state: "locked", key_source: "passphrase" }),
      store_unlock: () => storeStatus({ state: "unlocked", key_source: "passphrase" }),
      providers_catalog: () => PROVIDERS,
      accounts_list: () => [SANDBOX_ACCOUNT],
      relay_status: () => relayStatus({ state: "connected" }),
    });
    render(App);
    const input = await screen.findByLabelText("Passphrase");
    expect(screen.queryByTestId("relay-indicator")).not.toBeInTheDocument();

    await userEvent.type(input, "correct horse{Enter}");

    const pill = await screen.findByTestId("relay-indicator");
    await vi.waitFor(() => expect(pill).toHaveAttribute("data-state", "connected"));
    expect(screen.getByRole("banner")).toContainElement(pill);
  });

  it("offers a retry when the status cannot be read", async () => {
    routeCommands({
      store_status: () => {
        throw { code: "io", message: "permission denied" };
      },
    });
    const { container } = render(App);
    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "io");
    expect(container.querySelector("#retry-status")).toBeInTheDocument();
  });
});
