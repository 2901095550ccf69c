// Commands of Gupshup's link flow (seed 002); every rejection is a normalised ApiError. The partner
// token goes in once and never comes back: only its masked form does.

import type { GupshupLinkView } from "../bindings/GupshupLinkView";
import type { GupshupSettingsView } from "../bindings/GupshupSettingsView";
import type { StartLink } from "../bindings/StartLink";
import { call } from "./call";

export type { GupshupLinkView, GupshupSettingsView, StartLink };

/** Creates the Gupshup app and links the customer's WABA and number to it. */
export function gupshupLink(input: StartLink): Promise<GupshupLinkView> {
  return call("gupshup_link", { input });
}

/** Where the link stands; the core backs off and answers from the store between its own polls. */
export function gupshupFollow(id: string): Promise<GupshupLinkView> {
  return call("gupshup_follow", { id });
}

export function gupshupLinks(): Promise<GupshupLinkView[]> {
  return call("gupshup_links");
}

export function gupshupSettings(): Promise<GupshupSettingsView> {
  return call("gupshup_settings");
}

/** Stores the partner URL and token (encrypted; only a masked form comes back). */
export function gupshupUsePartner(partnerUrl: string, partnerToken: string): Promise<GupshupSettingsView> {
  return call("gupshup_use_partner", { partnerUrl, partnerToken });
}

export function gupshupUseSandbox(): Promise<GupshupSettingsView> {
  return call("gupshup_use_sandbox");
}
