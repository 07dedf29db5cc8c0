//! HR employees as last imported from the source, kept as the host
//! model's JSON tagged with its version (`data_version`).

use super::Store;
use crate::model::hr::{Employee, STORED_VERSION};
use anyhow::{Context as _, bail};
use rusqlite::params;

/// The sort key of [`Store::current_employees`]'s order, `ORDER BY
/// CAST(employee_number AS INTEGER), employee_number, id`, computed as
/// SQLite does: no number first; a number's leading integer (after
/// blanks and a sign; none is 0, beyond 64 bits it saturates), then the
/// text bytewise, then the id.
pub fn employee_number_order(number: Option<&str>, id: &str) -> (Option<i64>, Option<String>, String) {
    let leading = number.map(|n| {
        let n = n.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
        let (negative, digits) = match n.as_bytes().first() {
            Some(b'-') => (true, &n[1..]),
            Some(b'+') => (false, &n[1..]),
            _ => (false, n),
        };
        let mut value: i64 = 0;
        for d in digits.bytes().take_while(u8::is_ascii_digit) {
            let d = i64::from(d - b'0');
            value = if negative {
                value.saturating_mul(10).saturating_sub(d)
            } else {
                value.saturating_mul(10).saturating_add(d)
            };
        }
        value
    });
    (leading, number.map(str::to_owned), id.to_owned())
}

impl Store {
    /// Replace the view of the HR side with `employees`. Employees missing
    /// from this import are kept but marked, never deleted; an empty import
    /// over a non-empty store is refused, since "the source returned
    /// nothing" never means "everyone left".
    pub fn import_employees(&self, employees: &[Employee]) -> anyhow::Result<()> {
        let known: i64 = self.conn().query_row("SELECT COUNT(*) FROM hr_employees", [], |r| r.get(0))?;
        if employees.is_empty() && known > 0 {
            bail!(
                "the HR source returned no employees while {known} are known; refusing to treat that as everyone leaving. Check the source"
            );
        }
        let now = super::now();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("UPDATE hr_employees SET in_last_import = 0", [])?;
        for e in employees {
            let data = serde_json::to_string(e).context("serialising an HR employee")?;
            let country = e.home_address.as_ref().and_then(|a| a.country.clone());
            tx.execute(
                "INSERT INTO hr_employees (id, employee_number, department_id, office_id, country, active, in_last_import, data, imported_at, data_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9)
                 ON CONFLICT(id) DO UPDATE SET employee_number = excluded.employee_number, department_id = excluded.department_id,
                   office_id = excluded.office_id, country = excluded.country, active = excluded.active, in_last_import = 1,
                   data = excluded.data, imported_at = excluded.imported_at, data_version = excluded.data_version",
                params![e.id, e.employee_number, e.department_id, e.office_id, country, e.active, data, now, STORED_VERSION],
            )?;
        }
        tx.commit().context("saving the HR import")?;
        Ok(())
    }

    /// Employees present in the last import, in employee-number order.
    pub fn current_employees(&self) -> anyhow::Result<Vec<Employee>> {
        let mut all = Vec::new();
        self.for_each_current_employee(|e| all.push(e))?;
        Ok(all)
    }

    /// Every HR employee of the last import, handed to `each` one at a
    /// time in the order of [`Store::current_employees`], none kept.
    pub fn for_each_current_employee(&self, mut each: impl FnMut(Employee)) -> anyhow::Result<()> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT data, data_version FROM hr_employees WHERE in_last_import = 1
             ORDER BY CAST(employee_number AS INTEGER), employee_number, id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            each(decode(&row.get::<_, String>(0)?, row.get(1)?)?);
        }
        Ok(())
    }

    /// The HR employees with these ids, in the order asked; an id no
    /// longer stored is left out.
    pub fn employees_by_ids(&self, ids: &[String]) -> anyhow::Result<Vec<Employee>> {
        let conn = self.conn();
        let mut found: std::collections::HashMap<String, Employee> = std::collections::HashMap::new();
        for chunk in ids.chunks(super::IN_LIST) {
            let marks = vec!["?"; chunk.len()].join(",");
            let mut stmt =
                conn.prepare_cached(&format!("SELECT id, data, data_version FROM hr_employees WHERE id IN ({marks})"))?;
            let mut rows = stmt.query(rusqlite::params_from_iter(chunk))?;
            while let Some(row) = rows.next()? {
                found.insert(row.get(0)?, decode(&row.get::<_, String>(1)?, row.get(2)?)?);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// Every HR employee of the last import, handed to `each` one at a
    /// time in the order they are stored, none kept: a plain scan, without
    /// the sort [`Store::for_each_current_employee`] pays for its order
    /// (SQLite sorts the whole rows, JSON included, spilling to temporary
    /// files at company scale). Callers that need employee-number order
    /// sort what they keep with [`employee_number_order`].
    pub fn for_each_current_employee_as_stored(&self, mut each: impl FnMut(Employee)) -> anyhow::Result<()> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT data, data_version FROM hr_employees WHERE in_last_import = 1")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            each(decode(&row.get::<_, String>(0)?, row.get(1)?)?);
        }
        Ok(())
    }

    /// One employee by HR id.
    pub fn employee(&self, hr_id: &str) -> anyhow::Result<Option<Employee>> {
        let data: Option<(String, i64)> = self
            .conn()
            .query_row("SELECT data, data_version FROM hr_employees WHERE id = ?1", [hr_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map(Some)
            .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })?;
        data.map(|(d, version)| decode(&d, version)).transpose()
    }
}

/// An employee from its stored JSON of `version`.
fn decode(data: &str, version: i64) -> anyhow::Result<Employee> {
    if version != STORED_VERSION {
        bail!(
            "an HR employee row is stored in format {version}, and this paybridge reads format {STORED_VERSION}; \
             upgrade paybridge, or import the HR data again"
        );
    }
    serde_json::from_str(data).context("an HR employee row in the database is unreadable; import the HR data again")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_employee_number_order_computed_in_rust_is_the_order_sqlite_gives() {
        let numbers: [Option<&str>; 16] = [
            None,
            Some("42"),
            Some("0042"),
            Some(" 42"),
            Some("42 "),
            Some("abc"),
            Some(""),
            Some("-5"),
            Some("+7"),
            Some("12a"),
            Some("100"),
            Some("9"),
            Some("99999999999999999999"),
            Some("-99999999999999999999"),
            Some("007"),
            Some("1.5"),
        ];
        let store = super::Store::in_memory().expect("store");
        let employees: Vec<crate::model::hr::Employee> = numbers
            .iter()
            .enumerate()
            .map(|(i, n)| crate::model::hr::Employee {
                id: format!("hr-{:02}", 15 - i),
                employee_number: n.map(str::to_owned),
                ..Default::default()
            })
            .collect();
        store.import_employees(&employees).expect("import");
        let by_sqlite: Vec<String> = store.current_employees().expect("read").into_iter().map(|e| e.id).collect();
        let mut by_rust = employees.clone();
        by_rust.sort_by_key(|e| super::employee_number_order(e.employee_number.as_deref(), &e.id));
        let by_rust: Vec<String> = by_rust.into_iter().map(|e| e.id).collect();
        assert_eq!(by_rust, by_sqlite);
    }

    use super::Store;

    #[test]
    fn an_empty_import_over_known_employees_is_refused_and_nothing_is_lost() {
        let text = r#"{"employee": [{"id": "e1", "employeeNumber": "1"}, {"id": "e2", "employeeNumber": "2"}]}"#;
        let tz = jiff::tz::TimeZone::UTC;
        let snapshot = crate::source::parse_snapshot(text, &tz).expect("parses");
        let store = Store::in_memory().expect("store");
        store.import_employees(&snapshot.employees).expect("first import");
        let err = store.import_employees(&[]).expect_err("refused");
        assert!(err.to_string().contains("refusing to treat that as everyone leaving"));
        assert_eq!(store.current_employees().expect("read").len(), 2);
    }

    #[test]
    fn an_employee_missing_from_a_later_import_is_kept_but_not_current() {
        let tz = jiff::tz::TimeZone::UTC;
        let both = crate::source::parse_snapshot(r#"{"employee": [{"id": "e1"}, {"id": "e2"}]}"#, &tz).expect("parses");
        let one = crate::source::parse_snapshot(r#"{"employee": [{"id": "e1"}]}"#, &tz).expect("parses");
        let store = Store::in_memory().expect("store");
        store.import_employees(&both.employees).expect("import");
        store.import_employees(&one.employees).expect("import");
        assert_eq!(store.current_employees().expect("read").len(), 1);
        assert!(store.employee("e2").expect("read").is_some(), "kept, not deleted");
    }
}
