//! The list conventions of the research notes §2 (`select`, `relations`,
//! `filters`, `limit`, `offset`, `sort`): decoding a percent-encoded query
//! string, checking it against a resource's enums, and running it over the
//! records: filter, `total`, sort, offset/limit, `count`, projection.

use super::schema::{Kind, Resource};
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// A record as kept: its JSON object.
pub type Record = Map<String, Value>;

/// Decode a form-urlencoded query string into its (name, value) pairs, in
/// order: `+` is a space, `%XX` a byte, and the bytes must be UTF-8.
pub fn decode(raw: &str) -> Result<Vec<(String, String)>, String> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode_component(name)?, decode_component(value)?))
        })
        .collect()
}

fn decode_component(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                let Some(byte) = byte else {
                    return Err(format!("malformed percent-encoding in the query: {text:?}"));
                };
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("the query is not UTF-8 once decoded: {text:?}"))
}

/// A value of a field, typed for comparing.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum Typed {
    /// A boolean field.
    Bool(bool),
    /// A number field.
    Number(f64),
    /// A date-time field.
    Time(jiff::Timestamp),
    /// Any other field.
    Text(String),
}

/// An instant from a date-time with an offset (`2024-01-01T00:00:00.000Z`)
/// or a bare date (`2024-01-01`, midnight UTC).
pub fn parse_instant(text: &str) -> Option<jiff::Timestamp> {
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Some(at);
    }
    if text.len() == 10 {
        let date = text.parse::<jiff::civil::Date>().ok()?;
        return date.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    None
}

/// A query value as a value of a field of `kind`.
fn coerce(kind: Kind, text: &str) -> Result<Typed, String> {
    match kind {
        Kind::Text => Ok(Typed::Text(text.to_owned())),
        Kind::Bool => match text {
            "true" => Ok(Typed::Bool(true)),
            "false" => Ok(Typed::Bool(false)),
            _ => Err(format!("{text:?} is not a boolean (true or false)")),
        },
        Kind::Number => match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Typed::Number(n)),
            _ => Err(format!("{text:?} is not a number")),
        },
        Kind::DateTime => parse_instant(text)
            .map(Typed::Time)
            .ok_or_else(|| format!("{text:?} is not a date (YYYY-MM-DD) or a date-time with an offset")),
    }
}

/// A stored value as a value of a field of `kind`; `None` when absent,
/// null or not of the kind.
fn typed(kind: Kind, value: Option<&Value>) -> Option<Typed> {
    match (kind, value?) {
        (_, Value::Null) => None,
        (Kind::Text, Value::String(s)) => Some(Typed::Text(s.clone())),
        (Kind::Text, v @ (Value::Number(_) | Value::Bool(_))) => Some(Typed::Text(v.to_string())),
        (Kind::Bool, Value::Bool(b)) => Some(Typed::Bool(*b)),
        (Kind::Number, Value::Number(n)) => n.as_f64().map(Typed::Number),
        (kind, Value::String(s)) if kind != Kind::Text => coerce(kind, s).ok(),
        _ => None,
    }
}

/// A filter operator with its typed operand(s).
#[derive(Debug, Clone)]
enum Op {
    Eq(Typed),
    Neq(Typed),
    Gt(Typed),
    Gte(Typed),
    Lt(Typed),
    Lte(Typed),
    In(Vec<Typed>),
    Nin(Vec<Typed>),
    Between(Typed, Typed),
    /// `$all` on a scalar field: Mongo matches when the value equals it.
    All(Typed),
}

/// Operators of the spec's filter-operator object
/// (`Company_listManyCompanies_filters_parameter_id`).
const SCALAR_OPS: &[&str] = &["$eq", "$neq", "$gt", "$gte", "$lt", "$lte", "$all"];
/// Its array-valued operators.
const ARRAY_OPS: &[&str] = &["$in", "$nin", "$between"];

/// One condition on one field.
#[derive(Debug, Clone)]
struct Filter {
    field: String,
    kind: Kind,
    op: Op,
}

impl Filter {
    fn matches(&self, record: &Record) -> bool {
        let value = typed(self.kind, record.get(&self.field));
        let cmp = |operand: &Typed| value.as_ref().and_then(|v| v.partial_cmp(operand));
        match &self.op {
            Op::Eq(x) | Op::All(x) => value.as_ref() == Some(x),
            Op::Neq(x) => value.as_ref() != Some(x),
            Op::Gt(x) => cmp(x) == Some(Ordering::Greater),
            Op::Gte(x) => matches!(cmp(x), Some(Ordering::Greater | Ordering::Equal)),
            Op::Lt(x) => cmp(x) == Some(Ordering::Less),
            Op::Lte(x) => matches!(cmp(x), Some(Ordering::Less | Ordering::Equal)),
            Op::In(xs) => value.as_ref().is_some_and(|v| xs.contains(v)),
            Op::Nin(xs) => value.as_ref().is_none_or(|v| !xs.contains(v)),
            Op::Between(low, high) => {
                matches!(cmp(low), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(cmp(high), Some(Ordering::Less | Ordering::Equal))
            }
        }
    }
}

/// A checked list (or get-one) query.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// The fields to return; all when `None`.
    pub select: Option<Vec<String>>,
    /// Relations to side-load, each once, in the order asked.
    pub relations: Vec<String>,
    filters: Vec<Filter>,
    sort: Vec<(String, Kind, bool)>,
    /// Page size; everything when `None`.
    pub limit: Option<usize>,
    /// Records skipped.
    pub offset: usize,
}

/// Which parameters a query may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `GET /{resource}`: all six.
    List,
    /// `GET /{resource}/{id}`: `select` and `relations`.
    GetOne,
}

/// A raw condition: `filters[field][op]` with its values and whether they
/// came as an array (`[]`).
struct RawCondition {
    field: String,
    op: String,
    values: Vec<String>,
    array: bool,
    name: String,
}

/// Check the decoded `pairs` of a query on `resource`: the query, or one
/// message per problem.
pub fn parse(resource: &Resource, operation: Operation, pairs: &[(String, String)]) -> Result<ListQuery, Vec<String>> {
    let mut problems = Vec::new();
    let mut query = ListQuery::default();
    let mut conditions: Vec<RawCondition> = Vec::new();
    let mut seen_limit = false;
    let mut seen_offset = false;
    for (name, value) in pairs {
        let Some((head, parts)) = brackets(name) else {
            problems.push(format!("property {name} should not exist (malformed brackets)"));
            continue;
        };
        let parts: Vec<&str> = parts;
        let listing = operation == Operation::List;
        match (head, parts.as_slice()) {
            ("select", []) => {
                let fields = query.select.get_or_insert_with(Vec::new);
                for field in value.split(',') {
                    if field.is_empty() {
                        problems.push("select: an empty field name (select=field1,field2)".to_owned());
                    } else if resource.kind(field).is_none() {
                        problems.push(format!(
                            "select: {field} is not a selectable field of {} (allowed: {})",
                            resource.name,
                            resource.field_list()
                        ));
                    } else if !fields.iter().any(|f| f == field) {
                        fields.push(field.to_owned());
                    }
                }
            }
            ("relations", []) if !resource.relations.is_empty() => {
                for relation in value.split(',') {
                    if resource.relation(relation).is_none() {
                        problems.push(format!(
                            "relations: {relation:?} is not a relation of {} (allowed: {})",
                            resource.name,
                            resource.relation_list()
                        ));
                    } else if !query.relations.iter().any(|r| r == relation) {
                        query.relations.push(relation.to_owned());
                    }
                }
            }
            ("limit", []) if listing => {
                if std::mem::replace(&mut seen_limit, true) {
                    problems.push("limit is given more than once".to_owned());
                }
                match value.parse::<usize>() {
                    Ok(n) if n > 0 && value.bytes().all(|b| b.is_ascii_digit()) => query.limit = Some(n),
                    _ => problems.push(format!("limit must be a positive integer, not {value:?}")),
                }
            }
            ("offset", []) if listing => {
                if std::mem::replace(&mut seen_offset, true) {
                    problems.push("offset is given more than once".to_owned());
                }
                match value.parse::<usize>() {
                    Ok(n) if value.bytes().all(|b| b.is_ascii_digit()) => query.offset = n,
                    _ => problems.push(format!("offset must be a non-negative integer, not {value:?}")),
                }
            }
            ("sort", [field]) if listing => {
                let Some(kind) = resource.kind(field) else {
                    problems.push(format!(
                        "sort[{field}]: {field} is not a sortable field of {} (allowed: {})",
                        resource.name,
                        resource.field_list()
                    ));
                    continue;
                };
                let ascending = match value.as_str() {
                    "asc" => true,
                    "desc" => false,
                    _ => {
                        problems.push(format!("sort[{field}] must be asc or desc, not {value:?}"));
                        continue;
                    }
                };
                if query.sort.iter().any(|(f, _, _)| f == field) {
                    problems.push(format!("sort[{field}] is given more than once"));
                } else {
                    query.sort.push(((*field).to_owned(), kind, ascending));
                }
            }
            ("filters", [field, rest @ ..]) if listing && rest.len() <= 2 => {
                let (op, array) = match rest {
                    [] => ("$eq", false),
                    [op] => (*op, false),
                    [op, ""] => (*op, true),
                    _ => {
                        problems.push(format!(
                            "{name} is not a filter: use filters[field]=value, filters[field][$op]=value \
                             or filters[field][$op][]=value"
                        ));
                        continue;
                    }
                };
                match conditions.iter_mut().find(|c| c.field == *field && c.op == op) {
                    Some(existing) if array && existing.array => existing.values.push(value.clone()),
                    Some(existing) => {
                        problems.push(format!("filters[{field}][{op}] is given more than once"));
                        existing.array = existing.array || array;
                    }
                    None => conditions.push(RawCondition {
                        field: (*field).to_owned(),
                        op: op.to_owned(),
                        values: vec![value.clone()],
                        array,
                        name: name.clone(),
                    }),
                }
            }
            ("filters", _) if listing => problems.push(format!(
                "{name} is not a filter: use filters[field]=value, filters[field][$op]=value \
                 or filters[field][$op][]=value"
            )),
            _ => problems.push(format!("property {name} should not exist")),
        }
    }
    for condition in conditions {
        match check_condition(resource, &condition) {
            Ok(filter) => query.filters.push(filter),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() { Ok(query) } else { Err(problems) }
}

/// `filters[a][$in][]` as `("filters", ["a", "$in", ""])`; `None` when the
/// brackets are malformed.
fn brackets(name: &str) -> Option<(&str, Vec<&str>)> {
    let Some(open) = name.find('[') else {
        return Some((name, Vec::new()));
    };
    let head = &name[..open];
    let mut rest = &name[open..];
    let mut parts = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        parts.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    Some((head, parts))
}

fn check_condition(resource: &Resource, c: &RawCondition) -> Result<Filter, String> {
    let (field, op) = (&c.field, c.op.as_str());
    let Some(kind) = resource.kind(field) else {
        return Err(format!(
            "filters[{field}]: {field} is not a filterable field of {} (allowed: {})",
            resource.name,
            resource.field_list()
        ));
    };
    let is_scalar = SCALAR_OPS.contains(&op);
    if !is_scalar && !ARRAY_OPS.contains(&op) {
        return Err(format!(
            "filters[{field}][{op}]: unknown operator {op:?} (allowed: {}, {})",
            SCALAR_OPS.join(", "),
            ARRAY_OPS.join(", ")
        ));
    }
    if is_scalar && c.array {
        return Err(format!("filters[{field}][{op}] takes one value, not an array ({})", c.name));
    }
    if !is_scalar && !c.array {
        return Err(format!("filters[{field}][{op}] must be an array: filters[{field}][{op}][]=value"));
    }
    let mut values = Vec::with_capacity(c.values.len());
    for text in &c.values {
        values.push(coerce(kind, text).map_err(|why| format!("filters[{field}][{op}]: {why}"))?);
    }
    let first = || values.first().cloned().ok_or_else(|| format!("filters[{field}][{op}] has no value"));
    let op = match op {
        "$eq" => Op::Eq(first()?),
        "$neq" => Op::Neq(first()?),
        "$gt" => Op::Gt(first()?),
        "$gte" => Op::Gte(first()?),
        "$lt" => Op::Lt(first()?),
        "$lte" => Op::Lte(first()?),
        "$all" => Op::All(first()?),
        "$in" => Op::In(values),
        "$nin" => Op::Nin(values),
        _ => match values.as_slice() {
            [low, high] => Op::Between(low.clone(), high.clone()),
            _ => {
                return Err(format!("filters[{field}][$between] needs exactly 2 values, got {}", values.len()));
            }
        },
    };
    Ok(Filter { field: field.clone(), kind, op })
}

/// The page of `records` (given in id order) the query asks for, and
/// `total`, the number of matches before paging.
pub fn run<'a>(records: impl Iterator<Item = &'a Record>, query: &ListQuery) -> (Vec<&'a Record>, usize) {
    let mut matched: Vec<&Record> = records.filter(|r| query.filters.iter().all(|f| f.matches(r))).collect();
    let total = matched.len();
    if !query.sort.is_empty() {
        // A stable sort over records in id order: ties stay by id ascending.
        matched.sort_by(|a, b| {
            for (field, kind, ascending) in &query.sort {
                let (x, y) = (typed(*kind, a.get(field)), typed(*kind, b.get(field)));
                let order = match (x, y) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                };
                let order = if *ascending { order } else { order.reverse() };
                if order != Ordering::Equal {
                    return order;
                }
            }
            Ordering::Equal
        });
    }
    let page = matched.into_iter().skip(query.offset).take(query.limit.unwrap_or(usize::MAX)).collect();
    (page, total)
}

/// `record` with exactly the selected keys it has (all when no `select`).
pub fn project(record: &Record, select: Option<&[String]>) -> Value {
    match select {
        None => Value::Object(record.clone()),
        Some(fields) => {
            Value::Object(fields.iter().filter_map(|f| record.get(f).map(|v| (f.clone(), v.clone()))).collect())
        }
    }
}
