//! The IPC contract: TypeScript types in ui/src/bindings/ are generated from the Rust types.
//!
//! This test regenerates them and fails if anything differs from what is committed. To update after
//! changing a type: `WADESK_UPDATE_BINDINGS=1 cargo nextest run -p wadesk-core bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::TS;
use wadesk_core::contacts::{
    Audience, ContactEdit, ContactPage, ContactQuery, ContactSettings, ContactView, ImportOptions, ImportPreview,
    ImportProgress, ImportReport,
};
use wadesk_core::conversations::{
    CannedReply, CannedReplyEdit, ConversationPage, ConversationQuery, InboundNotice, InboxSettings,
    RenderedCannedReply, ReplyTemplate, ReplyText, SearchQuery, SearchResults, TimelinePage,
};
use wadesk_core::messaging::{
    Change, HistoryFilter, HistoryPage, MessageDetail, MessagingHealth, SendTemplate, SendText,
};
use wadesk_core::outbox::{
    CampaignEdit, CampaignReport, CampaignView, DryRun, NewCampaign, RecipientFilter, RecipientPage, UncertainAction,
};
use wadesk_core::providers::chatarchitect::partner_api::RetryOutcome;
use wadesk_core::providers::chatarchitect::{RegistrationSettingsView, RegistrationView, StartRegistration};
use wadesk_core::providers::crisp::options::CrispMessageType;
use wadesk_core::providers::d360::settings::{D360PartnerInput, D360SettingsView};
use wadesk_core::providers::d360::{D360OnboardingView, StartD360};
use wadesk_core::providers::gupshup::settings::GupshupSettingsView;
use wadesk_core::providers::gupshup::{GupshupLinkView, StartLink};
use wadesk_core::providers::sendzen::settings::SendzenSettingsView;
use wadesk_core::providers::sendzen::{OnboardingView, StartOnboarding};
use wadesk_core::relay_client::{EmbeddedSwitch, RelayStatus, SelfTestResult};
use wadesk_core::templates::{TemplateSync, TemplateView};
use wadesk_core::{AccountView, ApiError, NewAccount, ProviderInfo, StoreStatus};

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings")
}

fn generate(dir: &Path) {
    // Each root pulls in the types it refers to.
    AccountView::export_all_to(dir).unwrap();
    NewAccount::export_all_to(dir).unwrap();
    ProviderInfo::export_all_to(dir).unwrap();
    StoreStatus::export_all_to(dir).unwrap();
    ApiError::export_all_to(dir).unwrap();
    OnboardingView::export_all_to(dir).unwrap();
    StartOnboarding::export_all_to(dir).unwrap();
    SendzenSettingsView::export_all_to(dir).unwrap();
    D360OnboardingView::export_all_to(dir).unwrap();
    StartD360::export_all_to(dir).unwrap();
    D360SettingsView::export_all_to(dir).unwrap();
    D360PartnerInput::export_all_to(dir).unwrap();
    GupshupLinkView::export_all_to(dir).unwrap();
    StartLink::export_all_to(dir).unwrap();
    GupshupSettingsView::export_all_to(dir).unwrap();
    CrispMessageType::export_all_to(dir).unwrap();
    RelayStatus::export_all_to(dir).unwrap();
    SelfTestResult::export_all_to(dir).unwrap();
    EmbeddedSwitch::export_all_to(dir).unwrap();
    RegistrationView::export_all_to(dir).unwrap();
    RegistrationSettingsView::export_all_to(dir).unwrap();
    StartRegistration::export_all_to(dir).unwrap();
    RetryOutcome::export_all_to(dir).unwrap();
    TemplateView::export_all_to(dir).unwrap();
    TemplateSync::export_all_to(dir).unwrap();
    SendText::export_all_to(dir).unwrap();
    SendTemplate::export_all_to(dir).unwrap();
    HistoryFilter::export_all_to(dir).unwrap();
    HistoryPage::export_all_to(dir).unwrap();
    MessageDetail::export_all_to(dir).unwrap();
    MessagingHealth::export_all_to(dir).unwrap();
    Change::export_all_to(dir).unwrap();
    ContactView::export_all_to(dir).unwrap();
    ConversationPage::export_all_to(dir).unwrap();
    ConversationQuery::export_all_to(dir).unwrap();
    TimelinePage::export_all_to(dir).unwrap();
    SearchQuery::export_all_to(dir).unwrap();
    SearchResults::export_all_to(dir).unwrap();
    ReplyText::export_all_to(dir).unwrap();
    ReplyTemplate::export_all_to(dir).unwrap();
    CannedReply::export_all_to(dir).unwrap();
    CannedReplyEdit::export_all_to(dir).unwrap();
    RenderedCannedReply::export_all_to(dir).unwrap();
    InboxSettings::export_all_to(dir).unwrap();
    InboundNotice::export_all_to(dir).unwrap();
    ContactEdit::export_all_to(dir).unwrap();
    ContactQuery::export_all_to(dir).unwrap();
    ContactPage::export_all_to(dir).unwrap();
    ContactSettings::export_all_to(dir).unwrap();
    ImportPreview::export_all_to(dir).unwrap();
    ImportOptions::export_all_to(dir).unwrap();
    ImportProgress::export_all_to(dir).unwrap();
    ImportReport::export_all_to(dir).unwrap();
    Audience::export_all_to(dir).unwrap();
    NewCampaign::export_all_to(dir).unwrap();
    CampaignEdit::export_all_to(dir).unwrap();
    CampaignView::export_all_to(dir).unwrap();
    DryRun::export_all_to(dir).unwrap();
    RecipientFilter::export_all_to(dir).unwrap();
    RecipientPage::export_all_to(dir).unwrap();
    CampaignReport::export_all_to(dir).unwrap();
    UncertainAction::export_all_to(dir).unwrap();
}

fn read_ts(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

#[test]
fn generated_bindings_match_the_committed_ones() {
    let fresh = tempfile::tempdir().unwrap();
    generate(fresh.path());
    let generated = read_ts(fresh.path());
    assert!(generated.contains_key("AccountView.ts") && generated.contains_key("ErrorCode.ts"));
    if std::env::var("WADESK_UPDATE_BINDINGS").is_ok_and(|v| v == "1") {
        let dir = committed_dir();
        for name in read_ts(&dir).keys().filter(|n| !generated.contains_key(*n)) {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &generated {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let committed = read_ts(&committed_dir());
    let stale: Vec<_> =
        generated.keys().chain(committed.keys()).filter(|n| generated.get(*n) != committed.get(*n)).collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is out of date for {stale:?}; run WADESK_UPDATE_BINDINGS=1 cargo nextest run -p wadesk-core bindings and commit the result"
    );
}
