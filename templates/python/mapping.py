"""The connector's rules as plain functions of the contract's types, so
the golden test runs them with CPython (test_mapping.py)."""
import json

from componentize_py_types import Err, Ok
from wit_world.imports import types

# The connector's name: the host registers and pins it by this.
NAME = "{{name}}"
VERSION = "0.1.0"
# The one record kind this connector writes.
EMPLOYEE = "employee"
# Employees per list page.
PAGE_SIZE = 100
# HR fields an employee must have; the host checks them before prepare
# (names: docs/connectors.md, "Required fields").
REQUIRED_FIELDS = ["employeeNumber", "firstName", "lastName"]
# Target fields whose values are personal data: the host masks them in
# every display and redacts them in the journal.
SENSITIVE = ["nationalId", "bankAccount"]
# The target's employee fields, in the API's names.
FIELDS = ["employeeNumber", "firstName", "lastName", "email", "nationalId", "birthDate", "startDate", "bankAccount"]


def manifest():
    return types.Manifest(
        name=NAME,
        version=VERSION,
        target_system="JSON REST payroll",
        # The name of a secret in [integration.secrets], not a value.
        auth=types.AuthScheme_Bearer("token"),
        required_fields=REQUIRED_FIELDS,
        capabilities=["employees"],
        directions=[types.Direction.HR_TO_TARGET],
    )


def fields_of(e):
    """The target's fields for one HR employee, in the API's names. A field
    HR does not have is left out (the update then clears it)."""
    starts = [m.start_date for m in e.employments if m.start_date]
    bank = e.bank_account and (e.bank_account.iban or e.bank_account.number)
    values = {
        "employeeNumber": e.employee_number,
        "firstName": e.first_name,
        "lastName": e.last_name,
        "email": e.work_email,
        "nationalId": e.ssn,
        "birthDate": e.birth_date,
        "startDate": min(starts) if starts else None,
        "bankAccount": bank,
    }
    return {name: value.strip() for name, value in values.items() if value and value.strip()}


def record(fields):
    """A target record of `fields`, packed as the contract wants: one JSON
    object of strings, with the sensitive names beside it."""
    sensitive = [name for name in fields if name in SENSITIVE]
    return types.TargetRecord(kind=EMPLOYEE, key=None, fields=json.dumps(fields), sensitive=sensitive)


def prepare_one(e):
    """One HR employee as the target should hold it, or why it cannot be."""
    fields = fields_of(e)
    if "email" in fields and "@" not in fields["email"]:
        # Say what is wrong, never the value: messages are shown to people.
        issue = types.ValidationIssue(e.id, "workEmail", "invalid", "workEmail is not an e-mail address")
        return types.Prepared_Refused([issue])
    mapped = types.MappedEmployee(
        hr_id=e.id, employee_number=e.employee_number, national_id=e.ssn, records=[record(fields)]
    )
    return types.Prepared_Ready(mapped)


def list_page(page):
    """GET /employees page `page`."""
    query = [("page", str(page)), ("per_page", str(PAGE_SIZE))]
    return types.HttpRequest(method=types.HttpMethod.GET, path="/employees", query=query, headers=[], body=None)


def parse_page(exchange):
    """The employees of one list page and the next page, if there is one."""
    path, status = exchange.request.path, exchange.response.status
    if status != 200:
        raise Err(types.ConnectorError("read-failed", f"GET {path} answered {status}"))
    body = json.loads(exchange.response.body)
    page, pages = body.get("page", 1), body.get("pages", 1)
    learnt = [target_employee(e) for e in body["employees"] if isinstance(e.get("id"), str)]
    return learnt, (page + 1 if page < pages else None)


def target_employee(e):
    """One employee of a list answer."""
    fields = {name: e[name] for name in FIELDS if isinstance(e.get(name), str)}
    return types.TargetEmployee(
        target_id=e["id"],
        employee_number=fields.get("employeeNumber"),
        national_id=fields.get("nationalId"),
        first_name=fields.get("firstName"),
        last_name=fields.get("lastName"),
        birth_date=fields.get("birthDate"),
        records=[record(fields)],
    )


def unpack(records):
    """The fields of the employee record among `records` ({} if none)."""
    for r in records:
        if r.kind == EMPLOYEE:
            return json.loads(r.fields)
    return {}


def reconcile_one(item):
    """Diff one employee and, when asked, plan its write."""
    desired = unpack(item.desired.records)
    current = unpack(item.current.records) if item.current else {}
    names = list(desired) + [name for name in current if name not in desired]
    changes = [
        types.FieldChange(EMPLOYEE, None, name, current.get(name), desired.get(name), name in SENSITIVE)
        for name in names
        if current.get(name) != desired.get(name)
    ]
    operations = []
    if item.plan and changes:
        operations.append(write(item.desired, item.current, desired, changes))
    return types.Reconciled(changes=changes, operations=Ok(operations), links=[])


def write(employee, current, desired, changes):
    """The create or the whole-record update that makes the target hold `desired`."""
    number = employee.employee_number or "?"
    if current is None:
        kind, method, path = types.OperationKind.CREATE, types.HttpMethod.POST, "/employees"
        description, created_id = f"create employee {number}", "id"
    else:
        kind, method, path = types.OperationKind.UPDATE, types.HttpMethod.PUT, f"/employees/{current.target_id}"
        # Field names only: descriptions are shown to people and logged.
        description = f"update employee {number}: " + ", ".join(c.field for c in changes)
        created_id = None
    request = types.HttpRequest(
        method=method,
        path=path,
        query=[],
        headers=[types.Header("Content-Type", "application/json")],
        body=json.dumps(desired),
    )
    sensitive = [name for name in SENSITIVE if name in desired]
    return types.PlannedOperation(kind, EMPLOYEE, description, request, sensitive, created_id)
