//! Bank-number helpers: IBAN validation (via `iban_validate`) and the
//! Norwegian kontonummer (11 digits, mod-11 check digit).

use iban::IbanLike;

/// Validate an IBAN (spaces allowed) and return it in electronic form.
pub fn normalise_iban(iban: &str) -> Result<String, String> {
    iban.parse::<iban::Iban>()
        .map(|parsed| parsed.electronic_str().to_owned())
        .map_err(|e| format!("not a valid IBAN ({e})"))
}

/// Validate a Norwegian account number (11 digits; spaces and dots allowed)
/// and return its 11 digits.
pub fn normalise_norwegian_account(number: &str) -> Result<String, String> {
    let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '.')).collect();
    if digits.len() != 11 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("must be 11 digits".into());
    }
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = WEIGHTS.iter().zip(&d).map(|(w, x)| w * x).sum();
    let check = (11 - sum % 11) % 11;
    if check == 10 || check != d[10] {
        return Err("check digit does not match".into());
    }
    Ok(digits)
}

/// The IBAN of a valid Norwegian account number (`NO` + check digits +
/// the 11 digits), per ISO 13616's mod-97 rule.
pub fn norwegian_iban(number: &str) -> Result<String, String> {
    let bban = normalise_norwegian_account(number)?;
    // BBAN, then "NO00" with the letters as numbers (N = 23, O = 24).
    let digits = format!("{bban}232400");
    let remainder = digits.bytes().fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    let check = 98 - remainder;
    Ok(format!("NO{check:02}{bban}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_from_the_iban_validate_test_suite_are_accepted() {
        for (iban, electronic) in [
            ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"),
            ("DK50 0040 0440 1162 43", "DK5000400440116243"),
        ] {
            assert_eq!(normalise_iban(iban).as_deref(), Ok(electronic));
        }
    }

    #[test]
    fn iban_with_a_wrong_check_digit_is_refused() {
        assert!(normalise_iban("GB29NWBK60934331926819").is_err());
    }

    #[test]
    fn norwegian_iban_is_computed_from_the_account_number() {
        // python-stdnum's no.kontonr docstring: 8601 11 17947 → NO93 8601 11 17947.
        assert_eq!(norwegian_iban("8601 11 17947").as_deref(), Ok("NO9386011117947"));
        assert!(normalise_iban("NO9386011117947").is_ok());
        assert!(norwegian_iban("86011117949").is_err());
    }

    #[test]
    fn norwegian_account_check_digit_is_enforced() {
        // Examples from python-stdnum's no.kontonr docstring.
        assert_eq!(normalise_norwegian_account("8601 11 17947").as_deref(), Ok("86011117947"));
        assert!(normalise_norwegian_account("8601 11 17949").is_err());
        assert!(normalise_norwegian_account("123").is_err());
    }
}
