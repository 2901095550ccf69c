use std::collections::{BTreeMap, HashSet};

use proptest::prelude::*;

use super::*;
use crate::outbox::VariableSource;
use crate::templates::syntax;

fn contact(id: i64, phone: &str, first: Option<&str>, opted_out: bool) -> AudienceContact {
    AudienceContact {
        id,
        phone: phone.into(),
        name: Some(format!("Contact {id}")),
        first_name: first.map(str::to_owned),
        fields: BTreeMap::new(),
        opted_out,
    }
}

fn first_name_mapping() -> Vec<VariableMapping> {
    vec![VariableMapping { number: 1, source: VariableSource::Field { field: "first_name".into() } }]
}

fn inputs<'a>(
    template: Option<&'a ParsedTemplate>,
    marketing: bool,
    mapping: &'a [VariableMapping],
    contacts: &'a [AudienceContact],
    excluded: &'a HashSet<i64>,
    recent: &'a HashSet<String>,
) -> Inputs<'a> {
    Inputs { campaign_id: "c", template, marketing, mapping, contacts, excluded, recent }
}

fn kinds(d: &DryRun) -> Vec<(ProblemKind, u64)> {
    d.problems.iter().map(|p| (p.kind, p.count)).collect()
}

#[test]
fn an_empty_first_name_blocks_only_its_row_and_is_shown_first() {
    let t = syntax::parse("{{t}}\nHi {{1}}!").unwrap();
    let contacts = vec![contact(1, "4915112345678", Some("Ana"), false), contact(2, "4915112345679", None, false)];
    let (e, r) = (HashSet::new(), HashSet::new());
    let mapping = first_name_mapping();
    let (d, ready) = evaluate(&inputs(Some(&t), true, &mapping, &contacts, &e, &r));
    assert!(!d.ok);
    assert_eq!((d.to_send, d.blocked, d.skipped), (1, 1, 0));
    assert_eq!(kinds(&d), vec![(ProblemKind::EmptyValue, 1)]);
    assert_eq!(d.problems[0].rows[0].contact_id, 2);
    assert_eq!(d.samples[0].reason, SampleReason::MissingValue);
    assert_eq!(d.samples[0].body, "Hi {{1}}!");
    assert_eq!(ready[0].payload, "{{t}}\nHi Ana!");
}

#[test]
fn opted_out_contacts_are_skipped_for_marketing_only() {
    let t = syntax::parse("{{t}}\nHi {{1}}").unwrap();
    let contacts = vec![contact(1, "4915112345678", Some("Ana"), true)];
    let (e, r) = (HashSet::new(), HashSet::new());
    let mapping = first_name_mapping();
    let (d, ready) = evaluate(&inputs(Some(&t), true, &mapping, &contacts, &e, &r));
    assert!(d.ok && ready.is_empty() && d.skipped == 1);
    let (d, ready) = evaluate(&inputs(Some(&t), false, &mapping, &contacts, &e, &r));
    assert!(d.ok && ready.len() == 1 && d.skipped == 0);
    assert_eq!(d.problems[0].severity, Severity::Warning);
}

#[test]
fn a_missing_template_or_an_unmapped_placeholder_blocks_everyone() {
    let contacts = vec![contact(1, "4915112345678", Some("Ana"), false)];
    let (e, r) = (HashSet::new(), HashSet::new());
    let (d, _) = evaluate(&inputs(None, true, &[], &contacts, &e, &r));
    assert!(!d.ok);
    assert_eq!((d.to_send, d.blocked), (0, 1));
    let t = syntax::parse("{{t}}\nHi {{1}} {{2}}").unwrap();
    let mapping = first_name_mapping();
    let (d, ready) = evaluate(&inputs(Some(&t), true, &mapping, &contacts, &e, &r));
    assert!(!d.ok && ready.is_empty());
    assert_eq!(d.problems[0].kind, ProblemKind::Unmapped);
    assert!(d.problems[0].description.contains("{{2}}"));
}

#[test]
fn duplicates_and_exclusions_are_left_out() {
    let t = syntax::parse("{{t}}\nHi {{1}}").unwrap();
    let contacts = vec![contact(1, "4915112345678", Some("Ana"), false), contact(2, "4915112345679", None, false)];
    let excluded: HashSet<i64> = [2].into();
    let recent: HashSet<String> = ["4915112345678".to_owned()].into();
    let mapping = first_name_mapping();
    let (d, ready) = evaluate(&inputs(Some(&t), true, &mapping, &contacts, &excluded, &recent));
    assert!(d.ok && ready.is_empty());
    assert_eq!((d.excluded, d.skipped, d.blocked), (1, 1, 0));
}

fn arb_contact() -> impl Strategy<Value = (Option<String>, bool, bool, u8)> {
    (
        prop_oneof![Just(None), Just(Some(String::new())), Just(Some("A\nB".into())), "[a-zА-я ]{0,12}".prop_map(Some)],
        any::<bool>(),
        any::<bool>(),
        0u8..4,
    )
}

proptest! {
    #[test]
    fn counts_always_add_up_to_the_rows_behind_them(
        rows in proptest::collection::vec(arb_contact(), 0..60),
        marketing in any::<bool>(),
        fallback in any::<bool>(),
        template_missing in any::<bool>(),
    ) {
        let t = syntax::parse("{{t}}\nHi {{1}}, see you in {{2}}").unwrap();
        let mut excluded = HashSet::new();
        let mut recent = HashSet::new();
        let contacts: Vec<AudienceContact> = rows.iter().enumerate().map(|(i, (first, opted, dup, phone_kind))| {
            let id = i as i64 + 1;
            let phone = match phone_kind { 0 => "0151".to_owned(), _ => format!("49151{:07}", i) };
            if *dup { recent.insert(phone.clone()); }
            if *phone_kind == 3 { excluded.insert(id); }
            let mut c = contact(id, &phone, first.as_deref(), *opted);
            c.fields.insert("city".into(), "Köln".into());
            c
        }).collect();
        let mut mapping = first_name_mapping();
        if fallback {
            mapping[0].source = VariableSource::FieldOr { field: "first_name".into(), fallback: "there".into() };
        }
        mapping.push(VariableMapping { number: 2, source: VariableSource::Field { field: "city".into() } });
        let template = if template_missing { None } else { Some(&t) };
        let (d, ready) = evaluate(&inputs(template, marketing, &mapping, &contacts, &excluded, &recent));
        for p in &d.problems {
            prop_assert_eq!(p.count, p.rows.len() as u64);
        }
        prop_assert_eq!(d.audience, contacts.len() as u64);
        prop_assert_eq!(d.audience - d.excluded, d.to_send + d.blocked + d.skipped);
        prop_assert_eq!(d.to_send, ready.len() as u64);
        let errors: u64 = d.problems.iter().filter(|p| p.severity == Severity::Error).map(|p| p.count).sum();
        prop_assert_eq!(d.ok, errors == 0 && !template_missing);
        let skipped: HashSet<i64> = d.problems.iter().filter(|p| p.severity == Severity::Skipped)
            .flat_map(|p| p.rows.iter().map(|r| r.contact_id)).collect();
        prop_assert_eq!(skipped.len() as u64, d.skipped);
        // Nobody who will be sent to has an error, is excluded or is skipped.
        for r in &ready {
            prop_assert!(!excluded.contains(&r.contact_id) && !skipped.contains(&r.contact_id));
            prop_assert!(!r.body.contains("{{"));
        }
    }
}
