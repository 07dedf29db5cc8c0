//! Norwegian fødselsnummer and D-number validation, including the 2032 rule
//! (k1 may leave remainder 0–3) and the test numbers of Skatteetaten's
//! synthetic register (+80 on the month) and NAV's H-numbers (+40).

/// Why a national id was refused; the text is meant for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NationalIdError {
    /// Not eleven digits.
    Format,
    /// Day or month out of range, or 29 February in a non-leap year.
    Date,
    /// One of the two check digits does not match.
    Checksum,
}

impl std::fmt::Display for NationalIdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Format => "must be 11 digits",
            Self::Date => "does not encode a valid date of birth",
            Self::Checksum => "check digits do not match",
        })
    }
}

/// What kind of Norwegian number it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NorwegianIdKind {
    /// Ordinary fødselsnummer.
    Birth,
    /// D-number (first digit +4).
    DNumber,
}

/// Validated Norwegian id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NorwegianId {
    /// Ordinary or D-number.
    pub kind: NorwegianIdKind,
    /// Synthetic (Test Norge, month +80) or H-number (month +40).
    pub test_number: bool,
}

const K1_WEIGHTS: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// Validate a Norwegian fødselsnummer or D-number (11 digits, no separators).
pub fn validate_norwegian(id: &str) -> Result<NorwegianId, NationalIdError> {
    let digits: Vec<u32> = id.chars().filter_map(|c| c.to_digit(10)).collect();
    if id.len() != 11 || digits.len() != 11 {
        return Err(NationalIdError::Format);
    }
    let mut day = digits[0] * 10 + digits[1];
    let mut month = digits[2] * 10 + digits[3];
    let year = digits[4] * 10 + digits[5];
    let individual = digits[6] * 100 + digits[7] * 10 + digits[8];
    let mut kind = NorwegianIdKind::Birth;
    let mut test_number = false;
    if day > 40 {
        day -= 40;
        kind = NorwegianIdKind::DNumber;
    }
    if month > 80 {
        month -= 80;
        test_number = true;
    } else if month > 40 {
        month -= 40;
        test_number = true;
    }
    let century = match (individual, year) {
        (0..=499, _) => 1900,
        (500..=749, 54..=99) => 1800,
        (500..=999, 0..=39) => 2000,
        (900..=999, 40..=99) => 1900,
        // Unassigned ranges before 2032; after 2032 any range may be used.
        _ => 1900,
    };
    if !is_valid_date(century + year, month, day) {
        return Err(NationalIdError::Date);
    }
    let s1: u32 = K1_WEIGHTS.iter().zip(&digits).map(|(w, d)| w * d).sum();
    let k1 = digits[9];
    // 2032 rule: the weighted sum including k1 may leave remainder 0, 1, 2 or 3.
    if (s1 + k1) % 11 > 3 {
        return Err(NationalIdError::Checksum);
    }
    let s2: u32 = K2_WEIGHTS.iter().zip(&digits).map(|(w, d)| w * d).sum();
    let k2 = (11 - s2 % 11) % 11;
    if k2 == 10 || k2 != digits[10] {
        return Err(NationalIdError::Checksum);
    }
    Ok(NorwegianId { kind, test_number })
}

/// Whether `year`-`month`-`day` is a calendar date (Gregorian leap years).
pub fn is_valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Whether `value` is a plausible ISO date `YYYY-MM-DD` (calendar-checked).
pub fn is_iso_date(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |s: &str| s.parse::<u32>().ok();
    match (num(&value[0..4]), num(&value[5..7]), num(&value[8..10])) {
        (Some(y), Some(m), Some(d)) => is_valid_date(y, m, d),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skatteetaten_test_file_agrees_on_every_row() {
        let csv = include_str!("../testdata/foedselsnummer.csv");
        for line in csv.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            let expected = cols[2] == "true";
            assert_eq!(validate_norwegian(cols[0]).is_ok(), expected, "{line}");
        }
    }

    #[test]
    fn nav_validator_cases_agree() {
        let json = include_str!("../testdata/fnrvalidator_vectors.derived.json");
        // Minimal scan of the derived file: pairs of "input" and "valid".
        let mut input = None;
        let mut checked = 0;
        for line in json.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("\"input\": \"") {
                input = rest.split('"').next().map(str::to_owned);
            } else if let Some(rest) = line.strip_prefix("\"valid\": ") {
                let valid = rest.starts_with("true");
                let id = input.take().expect("input precedes valid");
                assert_eq!(validate_norwegian(&id).is_ok(), valid, "{id}");
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} cases read");
    }

    #[test]
    fn iso_dates_are_calendar_checked() {
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2023-02-29"));
        assert!(!is_iso_date("2023-13-01"));
        assert!(!is_iso_date("01.02.2023"));
    }

    /// Builds a number with check digits computed by the pre-2032 rule.
    fn build(day: u32, month: u32, year: u32, individual: u32) -> Option<String> {
        let mut d: Vec<u32> =
            format!("{day:02}{month:02}{year:02}{individual:03}").chars().filter_map(|c| c.to_digit(10)).collect();
        let s1: u32 = K1_WEIGHTS.iter().zip(&d).map(|(w, x)| w * x).sum();
        let k1 = (11 - s1 % 11) % 11;
        if k1 == 10 {
            return None;
        }
        d.push(k1);
        let s2: u32 = K2_WEIGHTS.iter().zip(&d).map(|(w, x)| w * x).sum();
        let k2 = (11 - s2 % 11) % 11;
        if k2 == 10 {
            return None;
        }
        d.push(k2);
        Some(d.iter().filter_map(|x| char::from_digit(*x, 10)).collect())
    }

    proptest::proptest! {
        #[test]
        fn numbers_built_by_the_rule_validate_and_a_wrong_k2_never_does(
            day in 1u32..29, month in 1u32..13, year in 0u32..100, individual in 0u32..500, synthetic: bool, bump in 1u32..10,
        ) {
            let month = if synthetic { month + 80 } else { month };
            if let Some(id) = build(day, month, year, individual) {
                let parsed = validate_norwegian(&id);
                proptest::prop_assert!(parsed.is_ok(), "{id}");
                proptest::prop_assert_eq!(parsed.map(|p| p.test_number).ok(), Some(synthetic));
                let mut wrong: Vec<char> = id.chars().collect();
                let k2 = wrong[10].to_digit(10).unwrap_or(0);
                wrong[10] = char::from_digit((k2 + bump) % 10, 10).unwrap_or('0');
                let wrong: String = wrong.into_iter().collect();
                proptest::prop_assert!(validate_norwegian(&wrong).is_err(), "{wrong}");
            }
        }
    }
}
