//! Swedish personnummer and samordningsnummer (coordination numbers,
//! whose day is the birth day plus 60): parsed from the forms people write
//! (10 or 12 digits, with or without `-`, or with `+` for someone 100 or
//! older), checked (calendar date, Luhn check digit over the ten-digit
//! form) and normalised to the long form `YYYYMMDD-NNNN`, so two spellings
//! of one number compare equal.
//!
//! Rules: Skatteverket's SKV 704 (a birth serial of 000 is never issued); test vectors from python-stdnum
//! (`tests/test_se_personnummer.doctest`) and the personnummer/meta
//! project's lists of Skatteverket test numbers (`../shared/data`).

use crate::national_id::is_valid_date;

/// Why a personnummer was refused; the text is meant for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonnummerError {
    /// Not 10 or 12 digits with at most one `-` or `+` before the last four.
    Format,
    /// The date part is no calendar date (coordination numbers: day + 60).
    Date,
    /// The birth serial is 000, which is never issued.
    Serial,
    /// The last digit is not the Luhn check digit of the other nine.
    Checksum,
}

impl std::fmt::Display for PersonnummerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Format => "must be YYYYMMDD-NNNN or YYMMDD-NNNN (10 or 12 digits, `-` or `+` before the last four)",
            Self::Date => "does not encode a valid date of birth",
            Self::Serial => "has the birth serial 000, which is never issued",
            Self::Checksum => "check digit does not match",
        })
    }
}

/// A checked Swedish personnummer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Personnummer {
    /// Year with century.
    pub year: u32,
    /// Month.
    pub month: u32,
    /// Day of birth (for a coordination number, without the + 60).
    pub day: u32,
    /// The three-digit birth serial and the check digit, `NNNN`.
    pub serial: String,
    /// A samordningsnummer (day + 60).
    pub coordination: bool,
}

impl Personnummer {
    /// The long form, `YYYYMMDD-NNNN` (day + 60 for a coordination number).
    pub fn long(&self) -> String {
        let day = if self.coordination { self.day + 60 } else { self.day };
        format!("{:04}{:02}{:02}-{}", self.year, self.month, day, self.serial)
    }

    /// The birth date, `YYYY-MM-DD`.
    pub fn birth_date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Parse and check a personnummer written as people write it. `today`
/// (`YYYY-MM-DD`) gives a ten-digit number its century: the latest one
/// that puts the birth date on or before today, a century earlier with `+`.
pub fn parse_swedish(input: &str, today: &str) -> Result<Personnummer, PersonnummerError> {
    let input = input.trim();
    let (digits, separator) = split_separator(input)?;
    let digits = digits.as_str();
    let (year, rest) = match digits.len() {
        12 => {
            if separator == Some('+') && !digits.starts_with("18") && !digits.starts_with("19") {
                return Err(PersonnummerError::Format);
            }
            let year: u32 = number(&digits[..4]);
            if !(1800..=2099).contains(&year) {
                return Err(PersonnummerError::Date);
            }
            (Some(year), &digits[2..])
        }
        10 => (None, digits),
        _ => return Err(PersonnummerError::Format),
    };
    let yy = number(&rest[..2]);
    let month = number(&rest[2..4]);
    let raw_day = number(&rest[4..6]);
    let (day, coordination) = if raw_day > 60 { (raw_day - 60, true) } else { (raw_day, false) };
    if &rest[6..9] == "000" {
        return Err(PersonnummerError::Serial);
    }
    if luhn_check_digit(&rest[..9]) != number(&rest[9..10]) {
        return Err(PersonnummerError::Checksum);
    }
    let year = match year {
        Some(year) => year,
        None => century(yy, month, day, separator == Some('+'), today).ok_or(PersonnummerError::Date)?,
    };
    if !is_valid_date(year, month, day) {
        return Err(PersonnummerError::Date);
    }
    Ok(Personnummer { year, month, day, serial: rest[6..10].to_owned(), coordination })
}

/// The digits and the separator of `input`: digits with at most one `-`
/// or `+`, and only before the last four.
fn split_separator(input: &str) -> Result<(String, Option<char>), PersonnummerError> {
    let separators: Vec<(usize, char)> = input.char_indices().filter(|(_, c)| !c.is_ascii_digit()).collect();
    match separators.as_slice() {
        [] => Ok((input.to_owned(), None)),
        [(at, c @ ('-' | '+'))] if *at + 5 == input.len() => {
            Ok((format!("{}{}", &input[..*at], &input[at + 1..]), Some(*c)))
        }
        _ => Err(PersonnummerError::Format),
    }
}

fn number(digits: &str) -> u32 {
    digits.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

/// The Luhn check digit of nine digits (weights 2, 1, 2, ...).
fn luhn_check_digit(nine: &str) -> u32 {
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The year of a ten-digit number born `yy`-`month`-`day`: the latest
/// century that puts the date on or before `today`, a century earlier for
/// `hundred_plus`.
fn century(yy: u32, month: u32, day: u32, hundred_plus: bool, today: &str) -> Option<u32> {
    let today_year = today.get(..4)?.parse::<u32>().ok()?;
    let today_md = today.get(5..7)?.parse::<u32>().ok()? * 100 + today.get(8..10)?.parse::<u32>().ok()?;
    let mut year = today_year - today_year % 100 + yy;
    if year > today_year || (year == today_year && month * 100 + day > today_md) {
        year -= 100;
    }
    if hundred_plus {
        year -= 100;
    }
    Some(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-12-06";

    #[test]
    fn the_personnummer_meta_list_agrees_on_every_row() {
        // personnummer/meta list.json (`separated_long`, `valid`); the row
        // "19090527 1474" (a blank as separator) is refused as a format error.
        let rows = [
            ("20150916-0006", false),
            ("19090527+1474", true),
            ("20000229-2399", true),
            ("19700428-9895", false),
            ("19570428-9999", true),
            ("19420566-9899", false),
            ("19730288-9931", true),
            ("19600430-9886", false),
            ("19460823-9986", true),
            ("19721086-9924", false),
            ("20210791-9967", true),
            ("19090121+9931", true),
            ("20000405-9937", true),
            ("19090527 1474", false),
        ];
        for (number, valid) in rows {
            assert_eq!(parse_swedish(number, TODAY).is_ok(), valid, "{number}");
        }
    }

    #[test]
    fn skatteverkets_test_numbers_validate() {
        // A sample of personnummer/meta allPins.json and allCoords.json.
        for number in [
            "200312212392",
            "201210172399",
            "199502112395",
            "189808309810",
            "201908052390",
            "190306279803",
            "200810622399",
            "195807622393",
            "192905692386",
        ] {
            let parsed = parse_swedish(number, TODAY).unwrap_or_else(|e| panic!("{number}: {e}"));
            assert_eq!(parsed.long().replace('-', ""), number);
        }
    }

    #[test]
    fn ten_digit_forms_get_their_century_and_normalise_to_the_long_form() {
        // python-stdnum test_se_personnummer.doctest.
        for (short, long) in [
            ("8803200016", "19880320-0016"),
            ("880320-0016", "19880320-0016"),
            ("670919-9530", "19670919-9530"),
            ("811228-9874", "19811228-9874"),
            ("121212-1212", "20121212-1212"),
            ("121212+1212", "19121212-1212"),
            ("19880320-0016", "19880320-0016"),
            ("198803200016", "19880320-0016"),
        ] {
            assert_eq!(parse_swedish(short, TODAY).map(|p| p.long()), Ok(long.to_owned()), "{short}");
        }
        assert_eq!(parse_swedish("8803200420", TODAY).map(|p| p.birth_date()), Ok("1988-03-20".into()));
        assert_eq!(parse_swedish("8803-20-0016", TODAY), Err(PersonnummerError::Format));
        assert_eq!(parse_swedish("8899200425", TODAY), Err(PersonnummerError::Date));
        assert_eq!(parse_swedish("aaaaaaaaaa", TODAY), Err(PersonnummerError::Format));
    }

    fn build(year: u32, month: u32, day: u32, serial: u32) -> String {
        let nine = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
        format!("{year}{month:02}{day:02}-{serial:03}{}", luhn_check_digit(&nine))
    }

    proptest::proptest! {
        #[test]
        fn numbers_built_by_the_rule_validate_in_every_spelling_and_a_wrong_check_digit_never_does(
            year in 1930u32..2025, month in 1u32..=12, day in 1u32..=28, serial in 1u32..1000, coordination: bool,
        ) {
            let long = build(year, month, if coordination { day + 60 } else { day }, serial);
            let parsed = parse_swedish(&long, TODAY);
            proptest::prop_assert_eq!(parsed.as_ref().map(Personnummer::long), Ok(long.clone()));
            let short = long[2..].to_owned();
            proptest::prop_assert_eq!(parse_swedish(&short, TODAY).map(|p| p.long()), Ok(long.clone()));
            let check = u32::from(long.as_bytes()[12] - b'0');
            let wrong = format!("{}{}", &long[..12], (check + 1) % 10);
            proptest::prop_assert_eq!(parse_swedish(&wrong, TODAY), Err(PersonnummerError::Checksum));
        }
    }
}
