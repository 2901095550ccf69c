//! Conformance tests of the sandbox against seed 000 ("Partner API and Embed Integration Guide" and
//! "WhatsApp API Quick Start for Developers") and, in the `sendzen_*` modules, seed 001 (SendZen's
//! "Partner Integration Guide") with SendZen's messaging API:
//! answers checked field by field, webhooks received by a real loopback server and verified
//! independently, and the iframe pages driven by posting their forms.
#![allow(clippy::unwrap_used)]

mod control;
mod crisp;
mod d360;
mod d360_messaging;
mod d360_support;
mod gupshup;
mod inbound;
mod messaging;
mod messaging_events;
mod pages;
mod partner_api;
mod sendzen_events;
mod sendzen_iframe;
mod sendzen_messaging;
mod sendzen_onboard;
mod sendzen_support;
mod serve;
mod service_window;
mod support;
mod webhook;
