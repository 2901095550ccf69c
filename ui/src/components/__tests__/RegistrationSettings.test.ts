import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { RegistrationSettingsView } from "../../bindings/RegistrationSettingsView";
import RegistrationSettings from "../RegistrationSettings.svelte";
import { registrationSettingsView } from "../../test/fixtures";
import { deferred, invokedCommands, routeCommands } from "../../test/mockInvoke";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));

const SANDBOX = registrationSettingsView();
const PARTNER = registrationSettingsView({
  mode: "partner",
  partner_base_url: "https://registration.example.com",
  partner_token_masked: "••••abcd",
});
const TOKEN = "ca_live_9f8e7d6c5b4a1234";

function renderSettings(initial: RegistrationSettingsView, extra: Parameters<typeof routeCommands>[0] = {}) {
  const invoke = routeCommands({ registration_settings: () => initial, ...extra });
  const onChanged = vi.fn<(settings: RegistrationSettingsView) => void>();
  render(RegistrationSettings, { props: { onChanged } });
  return { invoke, onChanged, user: userEvent.setup() };
}

const mode = () => screen.findByTestId("registration-mode");
const input = (id: string) => document.getElementById(id) as HTMLInputElement;
const submit = () => document.getElementById("registration-use-partner")!;

describe("Registration settings: current mode", () => {
  it("shows the sandbox, with no way to switch to it again", async () => {
    renderSettings(SANDBOX);

    expect(await mode()).toHaveTextContent("Sandbox (built-in simulator, no credentials needed)");
    expect(document.getElementById("registration-use-sandbox")).not.toBeInTheDocument();
    expect(input("registration-url")).toHaveValue("");
  });

  it("shows the partner API with its URL and the masked token only", async () => {
    renderSettings(PARTNER);

    expect(await mode()).toHaveTextContent("ChatArchitect partner API at https://registration.example.com, token ••••abcd");
    expect(input("registration-url")).toHaveValue("https://registration.example.com");
    expect(input("partner-token")).toHaveValue("");
    expect(document.getElementById("registration-use-sandbox")).toBeInTheDocument();
  });

  it("shows a load failure and loads again on request", async () => {
    let calls = 0;
    const { user } = renderSettings(SANDBOX, {
      registration_settings: () => {
        calls += 1;
        if (calls === 1) throw { code: "store_locked", message: "locked" };
        return SANDBOX;
      },
    });

    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "store_locked");
    expect(document.getElementById("registration-partner-form")).not.toBeInTheDocument();

    await user.click(document.getElementById("registration-settings-reload")!);
    expect(await mode()).toHaveTextContent(/^Sandbox/);
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
  });
});

describe("Registration settings: the partner form", () => {
  it("takes the token in a password field that is not autofilled", async () => {
    renderSettings(SANDBOX);
    await mode();

    expect(input("partner-token")).toHaveAttribute("type", "password");
    expect(input("partner-token")).toHaveAttribute("autocomplete", "off");
    expect(input("registration-url")).toHaveAttribute("autocomplete", "off");
  });

  it.each([
    ["", TOKEN, "registration-url", /^Enter the registration URL ChatArchitect gave you/],
    ["http://registration.example.com", TOKEN, "registration-url", /Plain http:\/\/ is allowed only for a sandbox on 127\.0\.0\.1/],
    ["https://registration.example.com/partner/api", TOKEN, "registration-url", /domain only, without a path/],
    ["https://registration.example.com/?env=live", TOKEN, "registration-url", /must not contain a query/],
    ["https://me:pw@registration.example.com", TOKEN, "registration-url", /Leave the user name and password out/],
    ["https://registration.example.com", "", "partner-token", /^Enter the partner token/],
    ["https://registration.example.com", "short", "partner-token", /at least 8 characters/],
    ["https://registration.example.com", "two words here", "partner-token", /one word/],
  ])("refuses %j with token %j before sending anything", async (url, token, field, message) => {
    const { user, onChanged } = renderSettings(SANDBOX);
    await mode();

    if (url) await user.type(input("registration-url"), url);
    if (token) await user.type(input("partner-token"), token);
    await user.click(submit());

    const error = document.getElementById(`${field}-error`);
    expect(error).toHaveTextContent(message);
    expect(input(field)).toHaveAttribute("aria-invalid", "true");
    expect(input(field)).toHaveFocus();
    expect(input("partner-token")).toHaveValue("");
    expect(invokedCommands()).toEqual(["registration_settings"]);
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("switches to the partner API, clears the token and shows the masked one", async () => {
    const pending = deferred<RegistrationSettingsView>();
    const { invoke, onChanged, user } = renderSettings(SANDBOX, { registration_use_partner: () => pending.promise });
    await mode();

    await user.type(input("registration-url"), "  https://registration.example.com/ ");
    await user.type(input("partner-token"), ` ${TOKEN} `);
    await user.click(submit());

    expect(invoke).toHaveBeenCalledWith("registration_use_partner", {
      baseUrl: "https://registration.example.com/",
      partnerToken: TOKEN,
    });
    expect(input("partner-token")).toHaveValue("");
    expect(submit()).toBeDisabled();

    const saved = registrationSettingsView({ ...PARTNER, partner_token_masked: "••••1234" });
    pending.resolve(saved);

    await waitFor(() =>
      expect(screen.getByTestId("registration-mode")).toHaveTextContent(
        "ChatArchitect partner API at https://registration.example.com, token ••••1234",
      ),
    );
    expect(onChanged).toHaveBeenCalledWith(saved);
    expect(input("registration-url")).toHaveValue("https://registration.example.com");
    expect(input("partner-token")).toHaveValue("");
    expect(document.body).not.toHaveTextContent(TOKEN);
    expect(screen.getByRole("status")).toHaveTextContent("Registrations now go to the ChatArchitect partner API.");
    expect(document.getElementById("registration-use-sandbox")).toBeInTheDocument();
  });

  it("keeps the mode when the core refuses, shows why at the field, and still clears the token", async () => {
    const { onChanged, user } = renderSettings(SANDBOX, {
      registration_use_partner: () => {
        throw { code: "invalid_input", message: "registration URL: must be the domain only, like https://registration.example" };
      },
    });
    await mode();

    await user.type(input("registration-url"), "https://registration.example.com");
    await user.type(input("partner-token"), TOKEN);
    await user.click(submit());

    const fieldError = await waitFor(() => document.getElementById("registration-url-error")!);
    expect(fieldError).toHaveTextContent("The registration URL must be the domain only, like https://registration.example.");
    expect(fieldError).not.toHaveTextContent("registration URL:");
    expect(input("registration-url")).toHaveAttribute("aria-invalid", "true");
    expect(input("registration-url")).toHaveFocus();
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
    expect(screen.getByTestId("registration-mode")).toHaveTextContent(/^Sandbox/);
    expect(input("partner-token")).toHaveValue("");
    expect(input("registration-url")).toHaveValue("https://registration.example.com");
    expect(onChanged).not.toHaveBeenCalled();

    // Editing the field takes the error away.
    await user.type(input("registration-url"), "x");
    expect(document.getElementById("registration-url-error")).not.toBeInTheDocument();
    expect(input("registration-url")).not.toHaveAttribute("aria-invalid");
  });

  it("puts an error the core gives for the token field at the token, and clears it on typing", async () => {
    const { user } = renderSettings(SANDBOX, {
      registration_use_partner: () => {
        throw { code: "invalid_input", message: "must be the token ChatArchitect gave you", field: "partner_token" };
      },
    });
    await mode();

    await user.type(input("registration-url"), "https://registration.example.com");
    await user.type(input("partner-token"), TOKEN);
    await user.click(submit());

    const fieldError = await waitFor(() => document.getElementById("partner-token-error")!);
    expect(fieldError).toHaveTextContent("The partner token must be the token ChatArchitect gave you.");
    expect(document.getElementById("registration-url-error")).not.toBeInTheDocument();
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();

    await user.type(input("partner-token"), "a");
    expect(document.getElementById("partner-token-error")).not.toBeInTheDocument();
  });

  it("keeps other refusals as a banner", async () => {
    const { user } = renderSettings(SANDBOX, {
      registration_use_partner: () => {
        throw { code: "database", message: "disk I/O error" };
      },
    });
    await mode();

    await user.type(input("registration-url"), "https://registration.example.com");
    await user.type(input("partner-token"), TOKEN);
    await user.click(submit());

    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "database");
    expect(document.getElementById("registration-url-error")).not.toBeInTheDocument();
    expect(document.getElementById("partner-token-error")).not.toBeInTheDocument();
  });

  it("clears a client-side error when the field is edited", async () => {
    const { user } = renderSettings(SANDBOX);
    await mode();

    await user.click(submit());
    expect(document.getElementById("registration-url-error")).toBeInTheDocument();
    expect(document.getElementById("partner-token-error")).toBeInTheDocument();

    await user.type(input("partner-token"), "a");
    expect(document.getElementById("partner-token-error")).not.toBeInTheDocument();
    expect(document.getElementById("registration-url-error")).toBeInTheDocument();
  });

  it("can show and hide the token while typing it", async () => {
    const { user } = renderSettings(SANDBOX);
    await mode();
    await user.type(input("partner-token"), TOKEN);

    const toggle = screen.getByTestId("password-toggle");
    expect(toggle).toHaveTextContent("Show");
    await user.click(toggle);
    expect(input("partner-token")).toHaveAttribute("type", "text");
    expect(input("partner-token")).toHaveValue(TOKEN);
    await user.click(toggle);
    expect(input("partner-token")).toHaveAttribute("type", "password");
  });
});

describe("Registration settings: back to the sandbox", () => {
  it("switches to the sandbox", async () => {
    const { invoke, onChanged, user } = renderSettings(PARTNER, {
      registration_use_sandbox: () => registrationSettingsView({ ...PARTNER, mode: "sandbox" }),
    });
    await mode();

    await user.click(document.getElementById("registration-use-sandbox")!);

    await waitFor(() => expect(screen.getByTestId("registration-mode")).toHaveTextContent(/^Sandbox/));
    expect(invoke).toHaveBeenCalledWith("registration_use_sandbox", {});
    expect(onChanged).toHaveBeenCalledTimes(1);
    expect(document.getElementById("registration-use-sandbox")).not.toBeInTheDocument();
  });

  it("keeps the partner mode when the switch is refused", async () => {
    const { onChanged, user } = renderSettings(PARTNER, {
      registration_use_sandbox: () => {
        throw { code: "database", message: "disk I/O error" };
      },
    });
    await mode();

    await user.click(document.getElementById("registration-use-sandbox")!);

    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "database");
    expect(screen.getByTestId("registration-mode")).toHaveTextContent(
      "ChatArchitect partner API at https://registration.example.com, token ••••abcd",
    );
    expect(onChanged).not.toHaveBeenCalled();
  });
});
