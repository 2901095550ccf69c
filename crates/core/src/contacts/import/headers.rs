//! What a column is, guessed from its header in the seed's languages (English, German, Spanish,
//! Portuguese, French, Russian), and the signature a header row's saved mapping is kept under.
//!
//! A guess is only a starting point the admin confirms in the preview: the first column that
//! reads as a phone becomes the phone, later ones become custom fields, so a guess never maps two
//! columns to one built-in target.

use sha2::{Digest, Sha256};

use super::super::rules;
use super::super::ColumnTarget;

const PHONE: &[&str] = &[
    "phone",
    "phone number",
    "phone no",
    "telephone",
    "telephone number",
    "tel",
    "mobile",
    "mobile number",
    "mobile phone",
    "cell",
    "cell phone",
    "cellphone",
    "whatsapp",
    "whatsapp number",
    "msisdn",
    "number",
    "telefon",
    "telefonnummer",
    "handy",
    "handynummer",
    "mobil",
    "mobilnummer",
    "mobiltelefon",
    "rufnummer",
    "telefono",
    "numero de telefono",
    "movil",
    "celular",
    "numero",
    "numero de celular",
    "telemovel",
    "numero de telemovel",
    "portable",
    "numero de telephone",
    "telephone portable",
    "телефон",
    "номер",
    "номер телефона",
    "мобильный",
    "мобильный телефон",
    "сотовый",
    "тел",
];
const NAME: &[&str] = &[
    "name",
    "full name",
    "fullname",
    "contact",
    "contact name",
    "customer",
    "customer name",
    "client",
    "vollstandiger name",
    "kunde",
    "kundenname",
    "nombre completo",
    "cliente",
    "nome",
    "nome completo",
    "nom",
    "nom complet",
    "фио",
    "полное имя",
    "имя и фамилия",
    "клиент",
];
const FIRST_NAME: &[&str] = &[
    "first name",
    "firstname",
    "first",
    "given name",
    "forename",
    "vorname",
    "nombre",
    "primer nombre",
    "primeiro nome",
    "prenome",
    "prenom",
    "имя",
];
const TAGS: &[&str] = &[
    "tags",
    "tag",
    "labels",
    "label",
    "groups",
    "group",
    "schlagworter",
    "schlagworte",
    "etiketten",
    "gruppe",
    "gruppen",
    "etiquetas",
    "etiqueta",
    "grupos",
    "grupo",
    "etiquettes",
    "etiquette",
    "groupes",
    "теги",
    "тег",
    "метки",
    "группы",
    "группа",
];
const OPT_OUT: &[&str] = &[
    "opt out",
    "optout",
    "opted out",
    "unsubscribed",
    "unsubscribe",
    "do not contact",
    "dnc",
    "stop",
    "blocked",
    "abgemeldet",
    "abmeldung",
    "abgemeldet am",
    "werbewiderspruch",
    "baja",
    "dado de baja",
    "de baja",
    "descadastrado",
    "descadastro",
    "cancelado",
    "desinscrito",
    "desabonne",
    "desinscrit",
    "desinscription",
    "отписан",
    "отписался",
    "отписка",
];

/// Lower case, common Latin accents folded (`Teléfono` → `telefono`, `ß` → `ss`), every run of
/// other punctuation one space.
pub fn fold(header: &str) -> String {
    let mut out = String::new();
    for ch in header.trim().chars().flat_map(char::to_lowercase) {
        let folded = match ch {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => "o",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'ç' => "c",
            'ñ' => "n",
            'ß' => "ss",
            'ё' => "е",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        if folded == " " && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push_str(folded);
    }
    out.trim_end().to_owned()
}

/// A custom field name from a header: ASCII letters and digits with `_`, at most 40 chars;
/// `column_N` (1-based) when nothing is left (a Cyrillic header).
pub fn slug(header: &str, index: usize) -> String {
    let mut out = String::new();
    for ch in fold(header).chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_end_matches('_').to_owned();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "f_");
    }
    out.truncate(rules::MAX_FIELD_NAME_CHARS);
    let out = out.trim_end_matches('_').to_owned();
    if out.is_empty() {
        return format!("column_{}", index + 1);
    }
    out
}

/// The target a header reads as, before duplicates are resolved.
fn guess_one(header: &str, index: usize) -> ColumnTarget {
    let f = fold(header);
    let is = |names: &[&str]| names.contains(&f.as_str());
    if f.is_empty() {
        ColumnTarget::Ignore
    } else if is(PHONE) {
        ColumnTarget::Phone
    } else if is(FIRST_NAME) {
        ColumnTarget::FirstName
    } else if is(NAME) {
        ColumnTarget::Name
    } else if is(TAGS) {
        ColumnTarget::Tags
    } else if is(OPT_OUT) {
        ColumnTarget::OptOut
    } else {
        ColumnTarget::Field { name: slug(header, index) }
    }
}

/// One target per header: built-ins at most once (later look-alikes become fields), field names
/// unique (`_2`, `_3` … appended) and never a built-in name.
pub fn guess(headers: &[String]) -> Vec<ColumnTarget> {
    let mut taken: Vec<ColumnTarget> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        let mut target = guess_one(header, i);
        let builtin_again = !matches!(target, ColumnTarget::Ignore | ColumnTarget::Field { .. } | ColumnTarget::Tags)
            && taken.contains(&target);
        if builtin_again {
            target = ColumnTarget::Field { name: slug(header, i) };
        }
        if let ColumnTarget::Field { name } = &mut target {
            *name = unique(name, &names);
            names.push(name.clone());
        }
        taken.push(target.clone());
    }
    taken
}

fn unique(name: &str, names: &[String]) -> String {
    let free = |n: &str| rules::is_custom_field_name(n) && !names.iter().any(|m| m == n);
    if free(name) {
        return name.to_owned();
    }
    let base: String = name.chars().take(rules::MAX_FIELD_NAME_CHARS - 4).collect();
    (2..).map(|k| format!("{base}_{k}")).find(|n| free(n)).unwrap_or_else(|| base.clone())
}

/// The key a header row's mapping is saved under: the same columns in the same order, whatever
/// their case, surrounding spaces or accents.
pub fn signature(headers: &[String]) -> String {
    let joined: Vec<String> = headers.iter().map(|h| fold(h)).collect();
    hex::encode(Sha256::digest(joined.join("\u{1f}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    fn field(name: &str) -> ColumnTarget {
        ColumnTarget::Field { name: name.into() }
    }

    #[test]
    fn headers_in_six_languages_are_recognised() {
        use ColumnTarget::*;
        let cases: &[(&[&str], &[ColumnTarget])] = &[
            (&["Phone", "Name", "First name", "Tags", "Unsubscribed"], &[Phone, Name, FirstName, Tags, OptOut]),
            (
                &["Handynummer", "Vorname", "Name", "Schlagwörter", "Abgemeldet"],
                &[Phone, FirstName, Name, Tags, OptOut],
            ),
            (&["Teléfono", "Nombre", "Nombre completo", "Etiquetas", "Baja"], &[Phone, FirstName, Name, Tags, OptOut]),
            (&["Celular", "Primeiro nome", "Nome", "Grupos", "Descadastrado"], &[Phone, FirstName, Name, Tags, OptOut]),
            (&["Téléphone", "Prénom", "Nom", "Étiquettes", "Désabonné"], &[Phone, FirstName, Name, Tags, OptOut]),
            (&["Телефон", "Имя", "ФИО", "Теги", "Отписан"], &[Phone, FirstName, Name, Tags, OptOut]),
            (&["WhatsApp", "E-Mail", "Mobile"], &[Phone, field("e_mail"), field("mobile")]),
        ];
        for (h, want) in cases {
            assert_eq!(guess(&headers(h)), *want, "{h:?}");
        }
    }

    #[test]
    fn other_columns_become_unique_field_slugs() {
        let got = guess(&headers(&["Stadt / Ort", "2nd line", "Город", "", "city", "City", "Phone", "name"]));
        assert_eq!(
            got,
            [
                field("stadt_ort"),
                field("f_2nd_line"),
                field("column_3"),
                ColumnTarget::Ignore,
                field("city"),
                field("city_2"),
                ColumnTarget::Phone,
                ColumnTarget::Name,
            ]
        );
        assert_eq!(guess(&headers(&["Name", "Name"])), [ColumnTarget::Name, field("name_2")]);
    }

    #[test]
    fn signature_ignores_case_spaces_and_accents_but_not_order() {
        let a = signature(&headers(&["Teléfono", " Nombre "]));
        assert_eq!(a, signature(&headers(&["TELEFONO", "nombre"])));
        assert_ne!(a, signature(&headers(&["Nombre", "Teléfono"])));
        assert_eq!(a.len(), 64);
    }
}
