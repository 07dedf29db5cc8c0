//! The shapes the emulator checks against, from the OpenAPI file
//! (`shared/data/alexishr/openapi.yaml`) and the research notes
//! (`shared/research/alexishr-api.md`): per resource the fields its list
//! and get-one operations accept in `select`, `filters` and `sort` (the
//! three enums are the same set per resource), each with the type its
//! `<Resource>Response` schema gives it; the `relations` enum with how each
//! relation is resolved; and the two writable bodies, `UpdateEmployeeRequest`
//! and `UpdateEmploymentRequest`.

use serde_json::{Map, Value};

/// How a field's values compare in filters and sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string, compared as a string.
    Text,
    /// `true`/`false`.
    Bool,
    /// A number.
    Number,
    /// A `date-time`, compared as an instant.
    DateTime,
}

/// How the records of a relation are found for a page of records.
#[derive(Debug, Clone, Copy)]
pub enum Relation {
    /// The records of `target` whose `id` is a page record's `key`.
    To { target: &'static str, key: &'static str },
    /// The records of `target` whose `key` is a page record's `id`.
    From { target: &'static str, key: &'static str },
    /// A resource the emulator does not keep: always an empty array.
    Empty,
}

/// One resource served under `/v1/{name}`.
#[derive(Debug)]
pub struct Resource {
    /// Its path name.
    pub name: &'static str,
    /// The fields of its `select`, `filters` and `sort` enums, with their types.
    pub fields: &'static [(&'static str, Kind)],
    /// Its `relations` enum (empty: the operation has no `relations` parameter).
    pub relations: &'static [(&'static str, Relation)],
    /// Whether its records carry `created` and `updated` kept by the emulator.
    pub stamped: bool,
}

impl Resource {
    /// The type of a field of its enums, if it is one.
    pub fn kind(&self, field: &str) -> Option<Kind> {
        self.fields.iter().find(|(name, _)| *name == field).map(|(_, kind)| *kind)
    }

    /// How a relation of its enum is resolved, if it is one.
    pub fn relation(&self, name: &str) -> Option<Relation> {
        self.relations.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
    }

    /// Its fields, comma-separated, for error messages.
    pub fn field_list(&self) -> String {
        self.fields.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
    }

    /// Its relations, comma-separated, for error messages.
    pub fn relation_list(&self) -> String {
        self.relations.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
    }
}

use Kind::{Bool as B, DateTime as D, Number as N, Text as T};

/// The table of `LeaveTypeCodeResponse` records, served only as the
/// `leaveTypeCode` relation of `leave-type`.
pub const LEAVE_TYPE_CODE: &str = "leave-type-code";

/// `Employee_listManyEmployees` / `EmployeeResponse`.
const EMPLOYEE: Resource = Resource {
    name: "employee",
    fields: &[
        ("id", T),
        ("title", T),
        ("active", B),
        ("companyId", T),
        ("officeId", T),
        ("managerEmployeeId", T),
        ("departmentId", T),
        ("costCenterId", T),
        ("employmentId", T),
        ("employmentTypeId", T),
        ("employmentCountry", T),
        ("compensationId", T),
        ("userId", T),
        ("userName", T),
        ("division", T),
        ("organization", T),
        ("employeeNumber", T),
        ("workEmail", T),
        ("workPhone", T),
        ("workPhoneSanitized", T),
        ("hireDate", D),
        ("endDate", D),
        ("hasOccupationalPension", B),
        ("privateEmail", T),
        ("firstName", T),
        ("lastName", T),
        ("ssn", T),
        ("privatePhone", T),
        ("privatePhoneSanitized", T),
        ("birthDate", D),
        ("age", N),
        ("nationality", T),
        ("gender", T),
        ("pronoun", T),
        ("created", D),
        ("updated", D),
    ],
    relations: &[
        ("office", Relation::To { target: "office", key: "officeId" }),
        ("costCenter", Relation::Empty),
        ("effectiveCostCenter", Relation::Empty),
        ("child", Relation::From { target: "child", key: "employeeId" }),
        ("department", Relation::To { target: "department", key: "departmentId" }),
        ("emergencyContact", Relation::Empty),
        ("employment", Relation::From { target: "employment", key: "employeeId" }),
        ("employmentType", Relation::To { target: "employment-type", key: "employmentTypeId" }),
        ("compensation", Relation::To { target: "compensation", key: "compensationId" }),
        ("managerEmployee", Relation::To { target: "employee", key: "managerEmployeeId" }),
        ("teamReference", Relation::Empty),
    ],
    stamped: true,
};

/// `Employment_listManyEmployments` / `EmploymentResponse`.
const EMPLOYMENT: Resource = Resource {
    name: "employment",
    fields: &[
        ("id", T),
        ("companyId", T),
        ("employeeId", T),
        ("typeId", T),
        ("startDate", D),
        ("endDate", D),
        ("updated", D),
        ("effectiveEndDate", D),
        ("terminated", B),
        ("rate", N),
        ("note", T),
        ("country", T),
    ],
    relations: &[
        ("type", Relation::To { target: "employment-type", key: "typeId" }),
        ("employee", Relation::To { target: "employee", key: "employeeId" }),
    ],
    stamped: true,
};

/// `Employmenttype_getManyEmploymentTypes` / `EmploymentTypeResponse`.
const EMPLOYMENT_TYPE: Resource = Resource {
    name: "employment-type",
    fields: &[("id", T), ("companyId", T), ("name", T), ("vacation", B), ("country", T), ("maxMonths", N)],
    relations: &[],
    stamped: false,
};

/// `Compensation_getManyCompensations` / `CompensationResponse`.
const COMPENSATION: Resource = Resource {
    name: "compensation",
    fields: &[
        ("id", T),
        ("employeeId", T),
        ("companyId", T),
        ("amount", N),
        ("effectiveDate", D),
        ("baseAmount", N),
        ("exchangeRate", N),
        ("currency", T),
        ("payoutDay", N),
        ("payoutPeriod", T),
        ("payoutFrequency", T),
        ("salarySchedule", T),
        ("paidOvertime", B),
        ("note", T),
    ],
    relations: &[],
    stamped: false,
};

/// `Leave_getManyLeaves` / `LeaveResponse`.
const LEAVE: Resource = Resource {
    name: "leave",
    fields: &[
        ("id", T),
        ("employeeId", T),
        ("typeId", T),
        ("status", T),
        ("duration", T),
        ("startDate", D),
        ("endDate", D),
    ],
    relations: &[
        ("type", Relation::To { target: "leave-type", key: "typeId" }),
        ("employee", Relation::To { target: "employee", key: "employeeId" }),
    ],
    stamped: false,
};

/// `Leavetype_getManyLeaveTypes` / `LeaveTypeResponse`.
const LEAVE_TYPE: Resource = Resource {
    name: "leave-type",
    fields: &[
        ("id", T),
        ("name", T),
        ("kind", T),
        ("minimumDuration", T),
        ("deductible", B),
        ("paid", B),
        ("disabled", B),
        ("archived", B),
    ],
    relations: &[("leaveTypeCode", Relation::From { target: LEAVE_TYPE_CODE, key: "leaveTypeId" })],
    stamped: false,
};

/// `Leavetransaction_listManyTransactions` / `LeaveTransactionResponse`.
const LEAVE_TRANSACTION: Resource = Resource {
    name: "leave-transaction",
    fields: &[
        ("id", T),
        ("leaveTypeId", T),
        ("employeeId", T),
        ("childId", T),
        ("description", T),
        ("date", D),
        ("hours", N),
        ("extent", N),
    ],
    relations: &[
        ("child", Relation::To { target: "child", key: "childId" }),
        ("leaveType", Relation::To { target: "leave-type", key: "leaveTypeId" }),
        ("employee", Relation::To { target: "employee", key: "employeeId" }),
    ],
    stamped: false,
};

/// `Child_getMany` / `ChildResponse`.
const CHILD: Resource = Resource {
    name: "child",
    fields: &[("id", T), ("employeeId", T), ("name", T), ("birthdate", D)],
    relations: &[],
    stamped: false,
};

/// `Office_listManyOffices` / `OfficeResponse`.
const OFFICE: Resource = Resource {
    name: "office",
    fields: &[
        ("id", T),
        ("companyId", T),
        ("name", T),
        ("phone", T),
        ("email", T),
        ("timezone", T),
        ("CFAR", T),
        ("SCB", T),
        ("SNI", T),
    ],
    relations: &[],
    stamped: false,
};

/// `Department_listManyDepartments` / `DepartmentResponse`.
const DEPARTMENT: Resource = Resource {
    name: "department",
    fields: &[
        ("id", T),
        ("companyId", T),
        ("name", T),
        ("costCenterId", T),
        ("effectiveCostCenterId", T),
        ("parentId", T),
    ],
    relations: &[("costCenter", Relation::Empty), ("effectiveCostCenter", Relation::Empty)],
    stamped: false,
};

/// Every resource served.
pub const RESOURCES: &[Resource] = &[
    EMPLOYEE,
    EMPLOYMENT,
    EMPLOYMENT_TYPE,
    COMPENSATION,
    LEAVE,
    LEAVE_TYPE,
    LEAVE_TRANSACTION,
    CHILD,
    OFFICE,
    DEPARTMENT,
];

/// The other AlexisHR list endpoints a full export (snapshot) may hold;
/// accepted there and not kept.
pub const IGNORED_LISTS: &[&str] = &[
    "company",
    "team",
    "employee-team-reference",
    "cost-center",
    "timesheet",
    "timesheet-entry",
    "timesheet-entry-type",
    "work-week",
];

/// The served resource named `name`.
pub fn resource(name: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.name == name)
}

/// Whether records of table `name` carry `created`/`updated`.
pub fn is_stamped(name: &str) -> bool {
    resource(name).is_some_and(|r| r.stamped)
}

/// The JSON type a member of a request body must have.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A string.
    Text,
    /// A boolean.
    Bool,
    /// A number.
    Number,
    /// A string holding a date-time (or a bare date); stored as
    /// `YYYY-MM-DDTHH:mm:ss.sssZ`.
    DateTime,
    /// An ISO 3166-1 alpha-2 code (two capital letters).
    Country,
    /// A string that is accepted and not stored (not in the response schema).
    Dropped,
    /// An object with exactly these members (each optional).
    Object(&'static [(&'static str, Shape)]),
    /// An object with any members.
    AnyObject,
}

/// A writable body: its members and the fields the server sets, which a
/// body must not carry.
#[derive(Debug)]
pub struct Body {
    /// The schema's name, for messages.
    pub name: &'static str,
    /// Its members, each optional.
    pub members: &'static [(&'static str, Shape)],
    /// Fields of the response the server derives.
    pub derived: &'static [&'static str],
}

use Shape::{Bool as SB, Number as SN, Text as ST};

/// `EmployeeTaxRequest`.
const TAX: &[(&str, Shape)] = &[("table", SN), ("column", SN)];
/// `BankAccountRequest`.
const BANK_ACCOUNT: &[(&str, Shape)] =
    &[("bank", ST), ("clearing", ST), ("number", ST), ("iban", ST), ("bic", ST), ("country", ST)];
/// `HomeAddressRequest` (no `co`, no `location`: the latter is response-only).
const HOME_ADDRESS: &[(&str, Shape)] = &[("street", ST), ("postalCode", ST), ("city", ST), ("country", ST)];

/// `UpdateEmployeeRequest` (`PATCH /employee/{id}`).
pub const UPDATE_EMPLOYEE: Body = Body {
    name: "UpdateEmployeeRequest",
    members: &[
        ("title", ST),
        ("officeId", ST),
        ("managerEmployeeId", ST),
        ("departmentId", ST),
        ("costCenterId", ST),
        ("userName", ST),
        ("division", ST),
        ("organization", ST),
        ("employeeNumber", ST),
        ("tax", Shape::Object(TAX)),
        ("workEmail", ST),
        ("workPhone", ST),
        ("hasOccupationalPension", SB),
        ("privateEmail", ST),
        ("firstName", ST),
        ("lastName", ST),
        ("ssn", ST),
        ("privatePhone", ST),
        ("birthDate", Shape::DateTime),
        ("avatarUrl", ST),
        ("nationality", ST),
        ("gender", ST),
        ("pronoun", ST),
        ("bankAccount", Shape::Object(BANK_ACCOUNT)),
        ("homeAddress", Shape::Object(HOME_ADDRESS)),
        ("custom", Shape::AnyObject),
        ("active", SB),
    ],
    derived: &[
        "id",
        "companyId",
        "userId",
        "employmentId",
        "employmentTypeId",
        "employmentCountry",
        "compensationId",
        "hireDate",
        "endDate",
        "age",
        "workPhoneSanitized",
        "privatePhoneSanitized",
        "created",
        "updated",
    ],
};

/// `UpdateEmploymentRequest` (`PATCH /employment/{id}`).
pub const UPDATE_EMPLOYMENT: Body = Body {
    name: "UpdateEmploymentRequest",
    members: &[
        ("country", Shape::Country),
        ("employeeId", ST),
        ("rate", SN),
        ("startDate", Shape::DateTime),
        ("terminated", SB),
        ("typeId", ST),
        ("userId", Shape::Dropped),
        ("endDate", Shape::DateTime),
        ("effectiveEndDate", Shape::DateTime),
        ("note", ST),
    ],
    derived: &["id", "companyId", "created", "updated"],
};

/// The body a `PATCH` of `resource` takes, if it can be patched.
pub fn update_body(resource: &str) -> Option<&'static Body> {
    match resource {
        "employee" => Some(&UPDATE_EMPLOYEE),
        "employment" => Some(&UPDATE_EMPLOYMENT),
        _ => None,
    }
}

/// Check a body against `body`: the patch to merge, or one message per
/// problem (an unknown member at any depth, a server-derived field, a
/// wrong JSON type, a date that does not parse). `null` is accepted for
/// every member and stored as `null`.
pub fn check_body(body: &Body, value: &Value) -> Result<Map<String, Value>, Vec<String>> {
    let Some(object) = value.as_object() else {
        return Err(vec![format!("the body must be a JSON object ({})", body.name)]);
    };
    let mut problems = Vec::new();
    let mut patch = Map::new();
    for (key, member) in object {
        if body.derived.contains(&key.as_str()) {
            problems.push(format!("property {key} should not exist: it is set by the server"));
            continue;
        }
        let Some(shape) = body.members.iter().find(|(name, _)| name == key).map(|(_, s)| *s) else {
            problems.push(format!("property {key} should not exist ({} has no such member)", body.name));
            continue;
        };
        if let Some(checked) = check_member(key, shape, member, &mut problems) {
            patch.insert(key.clone(), checked);
        }
    }
    if problems.is_empty() { Ok(patch) } else { Err(problems) }
}

/// The value to store for member `path` of `shape`, or `None` when it is
/// a problem (pushed) or dropped.
fn check_member(path: &str, shape: Shape, value: &Value, problems: &mut Vec<String>) -> Option<Value> {
    if value.is_null() {
        return Some(Value::Null);
    }
    match shape {
        Shape::Text | Shape::Dropped => match value {
            Value::String(_) if matches!(shape, Shape::Dropped) => None,
            Value::String(_) => Some(value.clone()),
            _ => wrong(path, "a string", problems),
        },
        Shape::Bool => match value {
            Value::Bool(_) => Some(value.clone()),
            _ => wrong(path, "a boolean value", problems),
        },
        Shape::Number => match value {
            Value::Number(_) => Some(value.clone()),
            _ => wrong(path, "a number", problems),
        },
        Shape::DateTime => match value.as_str().map(|text| (text, super::query::parse_instant(text))) {
            Some((_, Some(at))) => Some(Value::String(super::format_instant(at))),
            Some((text, None)) => {
                problems.push(format!("{path} must be a valid ISO 8601 date string, not {text:?}"));
                None
            }
            None => wrong(path, "a valid ISO 8601 date string", problems),
        },
        Shape::Country => match value.as_str() {
            Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) => Some(value.clone()),
            Some(code) => {
                problems.push(format!("{path} must be an ISO 3166-1 alpha-2 country code, not {code:?}"));
                None
            }
            None => wrong(path, "a string", problems),
        },
        Shape::AnyObject => match value {
            Value::Object(_) => Some(value.clone()),
            _ => wrong(path, "an object", problems),
        },
        Shape::Object(members) => {
            let Value::Object(object) = value else {
                return wrong(path, "an object", problems);
            };
            let mut checked = Map::new();
            for (key, member) in object {
                let inner = format!("{path}.{key}");
                match members.iter().find(|(name, _)| name == key) {
                    Some((_, shape)) => {
                        if let Some(v) = check_member(&inner, *shape, member, problems) {
                            checked.insert(key.clone(), v);
                        }
                    }
                    None => problems.push(format!("property {inner} should not exist")),
                }
            }
            Some(Value::Object(checked))
        }
    }
}

fn wrong(path: &str, what: &str, problems: &mut Vec<String>) -> Option<Value> {
    problems.push(format!("{path} must be {what}"));
    None
}
