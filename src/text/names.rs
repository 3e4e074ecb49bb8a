//! The name a salutation may use, read from a sender's display name.
//!
//! Mail clients and directories write names in many ways. A draft greets a
//! person by name only when the display name is one:
//!
//! * `Ortiz, Carmen` (a directory's `Last, First`) is `Carmen Ortiz`;
//! * quotes and extra spaces around it are dropped (`"Jo  Park"` → `Jo Park`);
//! * a mailbox of a team, department or company (`Accounts Payable`,
//!   `Meridian Freight AP`, `Kreditorenbuchhaltung`, `Billing Team`,
//!   `no-reply`) or an address (`ap@client.example`) is no person: the
//!   draft greets without a name.

/// Words (lower case) that make a display name a team, a department, a
/// role mailbox or a company rather than a person, in the six languages.
#[rustfmt::skip]
const NOT_A_PERSON: &[&str] = &[
    // en
    "accounts", "account", "payable", "payables", "receivable", "ap", "ar", "finance", "financial",
    "billing", "invoices", "invoicing", "invoice", "team", "department", "dept", "office", "support",
    "admin", "administration", "procurement", "purchasing", "treasury", "payments", "payment",
    "noreply", "no-reply", "donotreply", "mailbox", "helpdesk", "service", "services", "operations",
    "portal", "accounting", "collections", "notifications", "notification", "system", "automated",
    "ltd", "inc", "llc", "llp", "plc", "corp", "corporation", "company", "group", "holdings",
    // de
    "buchhaltung", "kreditorenbuchhaltung", "kreditoren", "rechnungswesen", "rechnungsprüfung",
    "finanzbuchhaltung", "einkauf", "abteilung", "gmbh", "ag", "kg",
    // fr
    "comptabilité", "comptabilite", "fournisseurs", "service", "facturation", "sarl", "sas",
    // es
    "contabilidad", "cuentas", "pagar", "proveedores", "facturación", "facturacion", "sl", "sa",
    // nl
    "crediteuren", "crediteurenadministratie", "administratie", "boekhouding", "bv", "nv",
    // pt
    "financeiro", "contas", "pagar", "fornecedores", "faturamento", "contabilidade", "ltda", "lda",
];

/// The name to greet a sender by, from the display name of the From
/// header; `None` when it names no person (see the module documentation).
pub fn salutation_name(display: &str) -> Option<String> {
    let name = display
        .trim()
        .trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || (name.contains('@') && !name.contains(' ')) {
        return None;
    }
    let words: Vec<String> = name
        .split(|c: char| c.is_whitespace() || c == ',' || c == '/' || c == '|')
        .map(|w| w.trim_matches(|c: char| c == '.' || c == '(' || c == ')'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let department = words.iter().any(|w| {
        w.chars().all(|c| c.is_alphabetic() || c == '-') && NOT_A_PERSON.contains(&w.as_str())
    });
    if department {
        return None;
    }
    Some(match name.split_once(',') {
        // "Ortiz, Carmen" → "Carmen Ortiz"; "Ortiz, Carmen, CPA" is left alone.
        Some((last, first))
            if !first.contains(',')
                && is_name_part(last)
                && is_name_part(first)
                && first.split_whitespace().count() <= 3 =>
        {
            format!("{} {}", first.trim(), last.trim())
        }
        _ => name,
    })
}

/// Words of letters (hyphens, apostrophes and dots allowed): a plausible part
/// of a person's name.
fn is_name_part(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.split_whitespace().all(|w| {
            w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_greeted_by_name_in_reading_order() {
        assert_eq!(
            salutation_name("Maria Lopez").as_deref(),
            Some("Maria Lopez")
        );
        assert_eq!(
            salutation_name("Ortiz, Carmen").as_deref(),
            Some("Carmen Ortiz")
        );
        assert_eq!(
            salutation_name(" \"van der Berg, Lotte\" ").as_deref(),
            Some("Lotte van der Berg")
        );
        assert_eq!(salutation_name("Jo   Park").as_deref(), Some("Jo Park"));
        assert_eq!(
            salutation_name("O'Brien & Sons <AP>").as_deref(),
            Some("O'Brien & Sons <AP>"),
            "not clearly a department: kept as written"
        );
        assert_eq!(
            salutation_name("Smith, John, CPA").as_deref(),
            Some("Smith, John, CPA"),
            "not a plain Last, First: left alone"
        );
    }

    #[test]
    fn teams_departments_and_addresses_get_no_name() {
        for display in [
            "Accounts Payable",
            "Meridian Freight AP",
            "Billing Team",
            "Kreditorenbuchhaltung",
            "Comptabilité fournisseurs",
            "Cuentas por pagar",
            "Crediteurenadministratie",
            "Contas a Pagar",
            "no-reply",
            "ap@client.example",
            "",
            "  ",
            "Northwind Traders Ltd.",
            "Pinecrest Supplier Portal",
        ] {
            assert_eq!(salutation_name(display), None, "{display:?}");
        }
    }
}
