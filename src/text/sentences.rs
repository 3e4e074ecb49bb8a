//! Sentences of the client's text: the units evidence is reported in and
//! facts are read from.
//!
//! A line splits on `. ! ? ;` and `…`, not on abbreviations, decimals, dates
//! or invoice numbers ("e.g.", "approx.", "1.250,00", "12.03.2026", "Mr.",
//! "z.B.", "p.ex.", "15. März"): a dot splits only before whitespace and a
//! word that does not start in lower case or with a digit. Items without a
//! letter, digit or symbol (a lone "-") are skipped.

/// Tokens before a dot that do not end a sentence (lower case, inner dots
/// kept, final dot removed).
#[rustfmt::skip]
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "approx", "mr", "mrs", "ms", "dr", "prof", "st", "vs", "nr", "nº", "n°", "n.º",
    "inv", "ref", "fig", "cf", "incl", "excl", "ca", "z.b", "d.h", "u.a", "bzw", "ggf", "evtl",
    "inkl", "zzgl", "usw", "vgl", "hr", "fr", "str", "tel", "p.ex", "mme", "mlle", "réf", "env",
    "p.ej", "sr", "sra", "srta", "ud", "uds", "dto", "aprox", "núm", "pág", "bijv", "o.a", "d.w.z",
    "m.b.t", "i.v.m", "t.a.v", "dhr", "mevr", "ong", "exmo", "exma", "av", "ltd", "inc", "co",
    "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "okt", "dez", "mrz", "janv", "févr", "avr", "juil", "déc", "ene", "abr", "ago", "dic", "mrt",
    "fev", "qty", "pcs", "pos", "art", "abs", "pp", "vol", "ext", "dept", "jr", "no", "nos",
];

/// Words after a day number that make "15." an ordinal, not a sentence end.
#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "januar", "jänner", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "dezember", "jan", "feb", "mär", "apr", "jun", "jul", "aug", "sep",
    "sept", "okt", "nov", "dez", "januari", "februari", "maart", "mei", "augustus", "december",
    "mrt", "quartal", "kw",
];

fn is_closing_mark(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '”' | '’' | '»' | '›')
}

/// Characters that alone do not make a sentence.
fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '–' | '—'
                | '…'
                | '•'
                | '·'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '«'
                | '»'
                | '¿'
                | '¡'
                | '‹'
                | '›'
                | '„'
                | '‚'
        )
}

/// Whether the dot run `i..j` (followed by whitespace or the end) ends a
/// sentence.
fn dot_ends_sentence(seg: &[char], i: usize, j: usize) -> bool {
    if j >= seg.len() {
        return true;
    }
    let mut s = i;
    while s > 0 && !seg[s - 1].is_whitespace() {
        s -= 1;
    }
    let token: String = seg[s..i]
        .iter()
        .collect::<String>()
        .trim_start_matches(['(', '[', '"', '\'', '¿', '¡', '«', '“'])
        .to_lowercase();
    if token.is_empty() {
        return true;
    }
    let rest = &seg[j..];
    let Some(next_pos) = rest.iter().position(|c| !c.is_whitespace()) else {
        return true;
    };
    let next = rest[next_pos];
    if next.is_lowercase() || next.is_numeric() {
        return false;
    }
    if j - i == 1 && ABBREVIATIONS.contains(&token.as_str()) {
        return false;
    }
    let mut letters = token.chars().filter(|c| c.is_alphabetic());
    if token.chars().count() == 1 && letters.next().is_some() {
        return false; // an initial: "J. Smith"
    }
    if token.contains('.')
        && token
            .split('.')
            .all(|p| !p.is_empty() && p.chars().count() <= 3 && p.chars().all(char::is_alphabetic))
    {
        return false; // "z.B", "p.ex", "U.S"
    }
    if token.len() <= 2 && token.chars().all(|c| c.is_ascii_digit()) {
        let word: String = rest[next_pos..]
            .iter()
            .take_while(|c| c.is_alphabetic())
            .collect::<String>()
            .to_lowercase();
        if MONTHS.contains(&word.as_str()) {
            return false; // "15. März"
        }
    }
    true
}

/// True when the dots at `i..j` are a leader between a field and its value
/// on one line ("Date de paiement prévue ..... 15/06/2026"): three or more
/// after a space, or five or more, with more text after them.
fn leader(seg: &[char], i: usize, j: usize) -> bool {
    let dots = seg[i..j].iter().take_while(|&&c| c == '.').count();
    let after_space = i > 0 && seg[i - 1].is_whitespace();
    if !(dots >= 5 || (dots >= 3 && after_space)) {
        return false;
    }
    seg[j..].iter().any(|c| !c.is_whitespace())
}

/// Longest sentence, in characters. No person writes one longer; a run of
/// text without a sentence end (a pasted table, a hostile message) is cut
/// at the last space before this length, so that what reads a sentence
/// (facts, their roles, evidence) costs a bounded amount per sentence.
pub const MAX_SENTENCE_CHARS: usize = 1_000;

/// `(a, b)` cut into pieces of at most [`MAX_SENTENCE_CHARS`], at spaces
/// where there are any.
fn bounded(seg: &[char], a: usize, b: usize, out: &mut Vec<(usize, usize)>) {
    let mut a = a;
    while b - a > MAX_SENTENCE_CHARS {
        let hard = a + MAX_SENTENCE_CHARS;
        let cut = (a + MAX_SENTENCE_CHARS / 2..hard)
            .rev()
            .find(|&i| seg[i].is_whitespace())
            .unwrap_or(hard);
        out.push((a, cut));
        a = cut;
    }
    out.push((a, b));
}

/// Sentences of one line (no line break in `seg`) as trimmed char ranges
/// `(start, end)` into `seg`, none longer than [`MAX_SENTENCE_CHARS`].
pub fn split_sentences(seg: &[char]) -> Vec<(usize, usize)> {
    let n = seg.len();
    let mut raw = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < n {
        let c = seg[i];
        if matches!(c, '.' | '!' | '?' | ';' | '…') {
            let mut j = i + 1;
            while j < n && (matches!(seg[j], '.' | '!' | '?' | '…') || is_closing_mark(seg[j])) {
                j += 1;
            }
            let boundary = j == n || seg[j].is_whitespace();
            let ends = boundary && (c != '.' || dot_ends_sentence(seg, i, j)) && !leader(seg, i, j);
            if ends {
                raw.push((start, j));
                start = j;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    raw.push((start, n));
    let mut pieces = Vec::with_capacity(raw.len());
    for (a, b) in raw {
        bounded(seg, a, b, &mut pieces);
    }
    pieces
        .into_iter()
        .filter_map(|(a, b)| {
            let a = a + seg[a..b].iter().take_while(|c| c.is_whitespace()).count();
            let b = b - seg[a..b]
                .iter()
                .rev()
                .take_while(|c| c.is_whitespace())
                .count();
            seg[a..b]
                .iter()
                .any(|c| !c.is_whitespace() && !is_punct(*c))
                .then_some((a, b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_without_sentence_ends_is_cut_at_spaces_into_bounded_sentences() {
        let text: String = (0..2_000).map(|i| format!("INV-{i} 12.00 USD ")).collect();
        let chars: Vec<char> = text.chars().collect();
        let s = split_sentences(&chars);
        assert!(s.len() > 20, "{}", s.len());
        for &(a, b) in &s {
            assert!(b - a <= MAX_SENTENCE_CHARS, "{}", b - a);
            // Cut at spaces: no piece starts or ends inside a word.
            assert!(a == 0 || chars[a - 1].is_whitespace());
            assert!(b == chars.len() || chars[b].is_whitespace());
        }
        // Nothing is lost but the spaces at the cuts.
        let kept: usize = s.iter().map(|(a, b)| b - a).sum();
        assert!(kept + s.len() >= text.trim_end().chars().count());
        // Ordinary sentences are left as they are.
        let chars: Vec<char> = "We paid. The rest follows Friday.".chars().collect();
        assert_eq!(split_sentences(&chars), [(0, 8), (9, 33)]);
    }
}
