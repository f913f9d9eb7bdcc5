//! The lines of an import file, read into imports: JSON Lines, or CSV with a header. Each line
//! is one user, read whole or refused with the reason; nothing is written here.

use std::collections::HashMap;

use serde_json::{Map, Value};
use twofactor::Secret;
use twofactor::backup::BackupCodeSet;
use twofactor::otp::{Algorithm, TotpParams};
use twofactor::policy::Import;

/// The keys (JSON) or columns (CSV) a line may have.
const KNOWN: [&str; 11] = [
    "user",
    "secret",
    "algorithm",
    "digits",
    "period",
    "last_step",
    "label",
    "backup_codes",
    "bcrypt_codes",
    "code_length",
    "lowercase",
];

/// One line of the file: its number (from 1), and the user with the import, or why not.
pub(crate) struct Line {
    pub(crate) number: usize,
    pub(crate) read: Result<(String, Import), String>,
}

/// Reads every line of `text` (`csv`: CSV with a header, else JSON Lines); blank lines are
/// skipped. A user named on an earlier line refuses the later one. `Err` for a file that cannot
/// be read at all (a CSV header with an unknown column): nothing is imported.
pub(crate) fn read(text: &str, csv: bool, legacy_secrets: bool) -> Result<Vec<Line>, String> {
    let mut lines = Vec::new();
    let mut numbered = text.lines().enumerate().map(|(index, line)| (index + 1, line));
    let header = match csv {
        true => Some(csv_header(
            numbered.next().map(|(_, line)| line).unwrap_or_default(),
        )?),
        false => None,
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (number, line) in numbered {
        if line.trim().is_empty() {
            continue;
        }
        let fields = match &header {
            Some(columns) => csv_fields(columns, line),
            None => json_fields(line),
        };
        let read = fields
            .and_then(|fields| import_of(&fields, legacy_secrets))
            .and_then(|(user, import)| match seen.insert(user.clone(), number) {
                Some(first) => Err(format!("duplicate user {user:?}: first on line {first}")),
                None => Ok((user, import)),
            });
        lines.push(Line { number, read });
    }
    Ok(lines)
}

fn csv_header(line: &str) -> Result<Vec<String>, String> {
    let columns: Vec<String> = line.split(',').map(|column| column.trim().to_owned()).collect();
    match columns.iter().find(|column| !KNOWN.contains(&column.as_str())) {
        Some(unknown) => Err(format!("unknown column {unknown:?} in the CSV header")),
        None => Ok(columns),
    }
}

/// A CSV line as JSON fields (no quoting: a field holding a quote is refused); `backup_codes`
/// are separated by spaces; numbers are read as numbers.
fn csv_fields(columns: &[String], line: &str) -> Result<Map<String, Value>, String> {
    if line.contains('"') {
        return Err("quoted CSV fields are not supported".into());
    }
    let values: Vec<&str> = line.split(',').collect();
    if values.len() != columns.len() {
        return Err(format!("{} fields for {} columns", values.len(), columns.len()));
    }
    let mut fields = Map::new();
    for (column, value) in columns.iter().zip(values) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let value = match column.as_str() {
            "backup_codes" => Value::from(value.split_whitespace().collect::<Vec<_>>()),
            "digits" | "period" | "last_step" => Value::from(
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{column}: not a whole number"))?,
            ),
            _ => Value::from(value),
        };
        fields.insert(column.clone(), value);
    }
    Ok(fields)
}

fn json_fields(line: &str) -> Result<Map<String, Value>, String> {
    let Value::Object(fields) = serde_json::from_str(line).map_err(|error| format!("not JSON: {error}"))?
    else {
        return Err("not a JSON object".into());
    };
    match fields.keys().find(|key| !KNOWN.contains(&key.as_str())) {
        Some(unknown) => Err(format!("unknown column {unknown:?}")),
        None => Ok(fields),
    }
}

fn import_of(fields: &Map<String, Value>, legacy_secrets: bool) -> Result<(String, Import), String> {
    let text = |key: &str| {
        fields
            .get(key)
            .map(|value| value.as_str().ok_or(format!("{key}: not text")))
    };
    let number = |key: &str| {
        fields
            .get(key)
            .map(|value| value.as_u64().ok_or(format!("{key}: not a whole number")))
    };
    let user = text("user").ok_or("no user")??.to_owned();
    let secret_text = text("secret").ok_or("no secret")??;
    let secret = match legacy_secrets {
        true => Secret::from_base32_legacy(secret_text),
        false => Secret::from_base32(secret_text),
    }
    .map_err(|error| format!("secret: {error}"))?;
    let mut params = TotpParams::builder();
    if let Some(name) = text("algorithm").transpose()? {
        params = params.algorithm(Algorithm::from_name(name).ok_or(format!("algorithm: unknown {name:?}"))?);
    }
    if let Some(digits) = number("digits").transpose()? {
        params = params.digits(u8::try_from(digits).map_err(|_| "digits: out of range")?);
    }
    if let Some(period) = number("period").transpose()? {
        params = params.period(period);
    }
    let params = params.build().map_err(|error| format!("parameters: {error}"))?;
    let mut import = Import::new(secret, params);
    if let Some(step) = number("last_step").transpose()? {
        import = import.last_step(step);
    }
    if let Some(label) = text("label").transpose()? {
        import = import.label(label);
    }
    let strings = |key: &str| -> Result<Option<Vec<String>>, String> {
        fields
            .get(key)
            .map(|value| {
                value
                    .as_array()
                    .and_then(|items| {
                        items
                            .iter()
                            .map(|item| item.as_str().map(str::to_owned))
                            .collect()
                    })
                    .ok_or(format!("{key}: not a list of text"))
            })
            .transpose()
    };
    match (strings("backup_codes")?, strings("bcrypt_codes")?) {
        (Some(_), Some(_)) => return Err("backup_codes and bcrypt_codes: one or the other".into()),
        (Some(codes), None) => import = import.backup_codes(codes),
        (None, Some(hashes)) => {
            let length = number("code_length").ok_or("bcrypt_codes: code_length is needed")??;
            let lowercase = fields.get("lowercase").and_then(Value::as_bool).unwrap_or(true);
            let length = usize::try_from(length).map_err(|_| "code_length: out of range")?;
            let set = BackupCodeSet::import_bcrypt(&hashes, length, lowercase)
                .map_err(|error| format!("bcrypt_codes: {error}"))?;
            import = import.backup_set(set);
        }
        (None, None) => {}
    }
    Ok((user, import))
}
