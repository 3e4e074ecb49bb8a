//! The six languages drafts are written in and replies are read in.

use std::fmt;

use serde::{Deserialize, Serialize};

impl Lang {
    /// Every language with templates, English first.
    pub const ALL: [Lang; 6] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::Nl, Lang::Pt];

    /// The ISO 639-1 code (`de`), as stored on [`super::Draft::language`]
    /// and used as the template folder's name.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Nl => "nl",
            Lang::Pt => "pt",
        }
    }

    /// The language of an ISO 639-1 code, case and region subtag ignored
    /// (`de`, `DE`, `de-AT`, `pt_BR`); `None` for a language without
    /// templates or anything that is not such a code.
    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        let primary = code.split(['-', '_']).next().unwrap_or("");
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The index of the language in [`Lang::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A language drafts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (`en`), the fallback.
    En,
    /// German (`de`).
    De,
    /// French (`fr`).
    Fr,
    /// Spanish (`es`).
    Es,
    /// Dutch (`nl`).
    Nl,
    /// Portuguese (`pt`).
    Pt,
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_tolerate_case_and_region() {
        for l in Lang::ALL {
            assert_eq!(Lang::from_code(l.code()), Some(l));
            assert_eq!(l.to_string(), l.code());
        }
        assert_eq!(Lang::from_code("DE"), Some(Lang::De));
        assert_eq!(Lang::from_code(" de-AT "), Some(Lang::De));
        assert_eq!(Lang::from_code("pt_BR"), Some(Lang::Pt));
        assert_eq!(Lang::from_code("it"), None);
        assert_eq!(Lang::from_code("deu"), None);
        assert_eq!(Lang::from_code(""), None);
        let json = serde_json::to_string(&Lang::Nl).expect("serialises");
        assert_eq!(json, "\"nl\"");
    }
}
