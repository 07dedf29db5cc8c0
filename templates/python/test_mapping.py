"""The golden test: a fixture HR employee maps to the fields in
golden/employee.expected.json. Runs with CPython: ./test.sh. When you
change the mapping on purpose, update the expected file."""
import json
import pathlib
import unittest

from wit_world.imports import types

import mapping

HERE = pathlib.Path(__file__).parent


def employee(data):
    """An HR employee from its JSON form (the contract's field names)."""
    bank = data["bank_account"] and types.BankAccount(**data["bank_account"])
    address = data["home_address"] and types.Address(**data["home_address"])
    employments = [types.Employment(**{**m, "employment_type": None}) for m in data["employments"]]
    rest = {k: v for k, v in data.items() if k not in ("bank_account", "home_address", "employments")}
    return types.Employee(**{**rest, "bank_account": bank, "home_address": address, "employments": employments})


class Golden(unittest.TestCase):
    def setUp(self):
        self.employee = employee(json.loads((HERE / "golden/employee.json").read_text()))

    def test_the_fixture_employee_maps_to_the_golden_fields(self):
        expected = json.loads((HERE / "golden/employee.expected.json").read_text())
        self.assertEqual(mapping.fields_of(self.employee), expected)

    def test_an_employee_with_a_malformed_email_is_refused_without_its_value_in_the_message(self):
        self.employee.work_email = "kari.example.com"
        refused = mapping.prepare_one(self.employee)
        self.assertIsInstance(refused, types.Prepared_Refused)
        self.assertEqual(refused.value[0].field, "workEmail")
        self.assertNotIn("kari.example.com", refused.value[0].message)


if __name__ == "__main__":
    unittest.main()
