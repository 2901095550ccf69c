//! Conformance tests of the sandbox against seed 000 ("Partner API and Embed Integration Guide" and
//! "WhatsApp API Quick Start for Developers"):
//! answers checked field by field, webhooks received by a real loopback server and verified
//! independently, and the iframe pages driven by posting their forms.
#![allow(clippy::unwrap_used)]

mod control;
mod inbound;
mod messaging;
mod messaging_events;
mod pages;
mod partner_api;
mod serve;
mod service_window;
mod support;
mod webhook;
