//! A synthetic Norwegian company of any size for load and fault tests:
//! every employee complete enough for the 24SevenOffice connector (numeric
//! employee number, names, a synthetic fødselsnummer with both check
//! digits right, birth date, home address, a valid Norwegian account
//! number or none, one employment, a monthly salary). Deterministic: the same size gives the
//! same company. Every person, number and address is made up.

use paybridge::model::hr::{Address, BankAccount, Compensation, Employee, Employment, EmploymentType};
use paybridge::source::HrSnapshot;

/// Employee numbers start after this one: the first employee is 1001.
pub const FIRST_EMPLOYEE_NUMBER: u64 = 1001;

const FIRST_NAMES: &[&str] = &[
    "Kari", "Ola", "Ingrid", "Lars", "Sofie", "Jonas", "Nora", "Emil", "Sara", "Henrik", "Maja", "Sander", "Ida",
    "Magnus", "Thea", "Tobias", "Emma", "Kristian", "Hanna", "Eirik", "Live", "Aksel", "Frida", "Sindre",
];

const LAST_NAMES: &[&str] = &[
    "Nordmann",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Eriksen",
    "Bakken",
    "Lie",
    "Dahl",
    "Lund",
    "Moen",
];

const STREETS: &[&str] =
    &["Storgata", "Kirkeveien", "Skolegata", "Bryggen", "Munkegata", "Strandgata", "Parkveien", "Fjordgata"];

/// (postal code, city).
const PLACES: &[(&str, &str)] =
    &[("0155", "Oslo"), ("5003", "Bergen"), ("7011", "Trondheim"), ("4006", "Stavanger"), ("9008", "Tromsø")];

/// SplitMix64: a small deterministic generator, enough for test data.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Mod-11 check digit over `digits` with `weights`; `None` when the
/// remainder leaves 10, which no valid number uses.
fn mod11(digits: &[u64], weights: &[u64]) -> Option<u64> {
    let sum: u64 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match (11 - sum % 11) % 11 {
        10 => None,
        check => Some(check),
    }
}

fn digits_of(text: &str) -> Vec<u64> {
    text.bytes().map(|b| u64::from(b - b'0')).collect()
}

/// A synthetic fødselsnummer for someone born on `year-month-day`
/// (1900–2039), in the form of Skatteetaten's synthetic register (80 added
/// to the month, so it can never be a real person's): the first individual
/// number from `start` whose two check digits both exist.
pub fn national_id(year: u64, month: u64, day: u64, start: u64) -> String {
    const K1: [u64; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
    const K2: [u64; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    // 1900–1999 use individual numbers 000–499, 2000–2039 use 500–999.
    let range = if year < 2000 { 0..500 } else { 500..1000 };
    let span = range.end - range.start;
    (0..span)
        .map(|offset| range.start + (start + offset) % span)
        .find_map(|individual| {
            let base = format!("{day:02}{:02}{:02}{individual:03}", month + 80, year % 100);
            let k1 = mod11(&digits_of(&base), &K1)?;
            let with_k1 = format!("{base}{k1}");
            let k2 = mod11(&digits_of(&with_k1), &K2)?;
            Some(format!("{with_k1}{k2}"))
        })
        .unwrap_or_else(|| panic!("no valid national id for {year}-{month}-{day}"))
}

/// A Norwegian account number (11 digits, mod-11 check digit) starting
/// with the bank's four-digit register number.
fn account_number(dice: &mut Dice, bank: u64) -> String {
    const WEIGHTS: [u64; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    loop {
        let base = format!("{bank:04}{:06}", dice.between(0, 999_999));
        if let Some(check) = mod11(&digits_of(&base), &WEIGHTS) {
            return format!("{base}{check}");
        }
    }
}

/// One generated employee, the `index`-th (0-based).
fn employee(dice: &mut Dice, index: u64) -> Employee {
    let number = FIRST_EMPLOYEE_NUMBER + index;
    let first = dice.pick(FIRST_NAMES);
    let last = dice.pick(LAST_NAMES);
    let (year, month, day) = (dice.between(1960, 2004), dice.between(1, 12), dice.between(1, 28));
    let (postal_code, city) = PLACES[(dice.next() % PLACES.len() as u64) as usize];
    // Every seventh employee has given no bank account yet.
    let bank_account = (index % 7 != 3).then(|| BankAccount {
        bank: Some("DNB".into()),
        clearing: None,
        number: Some(account_number(dice, 1503)),
        iban: None,
        bic: Some("DNBANOKK".into()),
        country: Some("NO".into()),
    });
    let start = format!("{}-{:02}-01", dice.between(2010, 2025), dice.between(1, 12));
    let temporary = index % 5 == 4;
    let employment_type = if temporary {
        EmploymentType { id: "type-temporary".into(), name: "Temporary".into() }
    } else {
        EmploymentType { id: "type-permanent".into(), name: "Permanent".into() }
    };
    let mail_name = format!("{}.{}.{number}", first.to_lowercase(), last.to_lowercase());
    Employee {
        id: format!("hr-{number}"),
        employee_number: Some(number.to_string()),
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        work_email: Some(format!("{mail_name}@example.no")),
        private_email: Some(format!("{number}@privat.example.no")),
        work_phone: Some(format!("+47 22 {:02} {:02} {:02}", index / 10_000, (index / 100) % 100, index % 100)),
        private_phone: None,
        ssn: Some(national_id(year, month, day, dice.between(0, 499))),
        ssn_country: None,
        birth_date: Some(format!("{year}-{month:02}-{day:02}")),
        nationality: Some("NO".into()),
        home_address: Some(Address {
            street: Some(format!("{} {}", dice.pick(STREETS), dice.between(1, 120))),
            co: None,
            postal_code: Some(postal_code.into()),
            city: Some(city.into()),
            country: Some("NO".into()),
        }),
        bank_account,
        office_id: None,
        department_id: None,
        active: true,
        employments: vec![Employment {
            id: format!("employment-{number}"),
            employment_type: Some(employment_type),
            start_date: Some(start.clone()),
            end_date: None,
            rate: Some(if temporary { "50" } else { "100" }.into()),
            note: None,
            weekly_hours: None,
            active: true,
        }],
        compensations: vec![Compensation {
            id: format!("compensation-{number}"),
            employment_id: Some(format!("employment-{number}")),
            effective_date: Some(start),
            payout_period: Some("MONTHLY".into()),
            amount: Some(format!("{}.{:02}", dice.between(32_000, 95_000), dice.between(0, 99))),
            currency: Some("NOK".into()),
        }],
        absences: vec![],
        children: vec![],
    }
}

/// A company of `size` employees, numbered from [`FIRST_EMPLOYEE_NUMBER`].
pub fn generate_company(size: usize) -> HrSnapshot {
    let mut dice = Dice(0x5eed_c0ff_ee00_0300);
    let employees = (0..size as u64).map(|index| employee(&mut dice, index)).collect();
    HrSnapshot { employees, ..HrSnapshot::default() }
}
