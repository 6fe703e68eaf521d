"""An issued invoice never changes, in the database too (as signed notes, charting 0002/0004).

* ``billing_invoice``: UPDATE and DELETE of an issued or void row are refused. The one
  UPDATE let through is voiding: an issued *invoice* (not a credit note) that no
  payment and no credit note refers to becomes ``void`` with a reason and a time, and
  every other column stays exactly as it was (PostgreSQL compares the whole row as
  JSON less the four voiding columns; SQLite compares each column of ``COLUMNS``).
* ``billing_invoiceline``: INSERT, UPDATE and DELETE are refused when the line's
  invoice (before or after) is not a draft.
* ``billing_payment``: append-only (UPDATE and DELETE refused); a refund is refused
  when it would take more than is left of its payment (the payment row is locked
  first on PostgreSQL, so two refunds at once cannot both pass), or refers to a refund.
* ``clinics_clinic``: the currency cannot change once the clinic has issued invoices.

INSERT of an issued invoice stays possible: a restore loads them (children first, so
the line triggers see no issued parent yet). PostgreSQL's TRUNCATE and SQLite's
``sacrum_wiping()`` (``sacrum.access.wipe``) let ``flush`` empty the tables.

SQLite rebuilds a table to add a column: a later migration that changes these tables
drops the triggers here first (``sqlite_backward``) and re-creates them after, with
``COLUMNS`` brought up to date.
"""

# ruff: noqa: S608 - the SQL is built from this module's constants only, no input.

from django.db import migrations

LOCKED = "An issued invoice never changes. Issue a credit note instead."
PAYMENTS = "Payments are never changed or deleted. Record a refund instead."
REFUND = "A refund cannot be more than what is left of its payment."
CURRENCY = "The currency cannot change once invoices have been issued in it."
VOIDING = ("status", "voided_at", "voided_by_id", "void_reason")
COLUMNS = (
    "id",
    "clinic_id",
    "client_id",
    "kind",
    "credits_id",
    "appointment_id",
    "number",
    "number_text",
    "currency",
    "prices_include_tax",
    "net_total",
    "tax_total",
    "total",
    "bill_to",
    "tax_number",
    "footer",
    "reason",
    "issued_on",
    "due_on",
    "issued_at",
    "issued_by_id",
    "created_at",
)
NOT_REFERRED = """NOT EXISTS (SELECT 1 FROM billing_payment WHERE invoice_id = OLD.id)
    AND NOT EXISTS (SELECT 1 FROM billing_invoice c WHERE c.credits_id = OLD.id)"""

PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION sacrum_billing_invoice_locked() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'draft' THEN
    IF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = 'issued' AND NEW.status = 'void'
      AND OLD.kind = 'invoice' AND NEW.voided_at IS NOT NULL AND NEW.void_reason <> ''
      AND (to_jsonb(NEW) - ARRAY{list(VOIDING)!r}) = (to_jsonb(OLD) - ARRAY{list(VOIDING)!r})
      AND {NOT_REFERRED} THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '{LOCKED}';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION sacrum_billing_line_locked() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
      SELECT 1 FROM billing_invoice WHERE id = OLD.invoice_id AND status <> 'draft') THEN
    RAISE EXCEPTION '{LOCKED}';
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
      SELECT 1 FROM billing_invoice WHERE id = NEW.invoice_id AND status <> 'draft') THEN
    RAISE EXCEPTION '{LOCKED}';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION sacrum_billing_payment_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{PAYMENTS}';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION sacrum_billing_refund_within() RETURNS trigger AS $$
DECLARE
  paid numeric;
  original_kind text;
  refunded numeric;
BEGIN
  IF NEW.refund_of_id IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT amount, kind INTO paid, original_kind FROM billing_payment
    WHERE id = NEW.refund_of_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NEW;  -- a restore loads refunds before their payments; keys are checked at commit
  END IF;
  SELECT COALESCE(SUM(amount), 0) INTO refunded FROM billing_payment
    WHERE refund_of_id = NEW.refund_of_id;
  IF original_kind <> 'payment' OR refunded + NEW.amount > paid THEN
    RAISE EXCEPTION '{REFUND}';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION sacrum_billing_currency_locked() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM billing_invoice WHERE clinic_id = NEW.id AND status <> 'draft') THEN
    RAISE EXCEPTION '{CURRENCY}';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

PG_TRIGGERS = (
    ("billing_invoice", "billing_invoice_locked", "BEFORE UPDATE OR DELETE", "invoice_locked"),
    (
        "billing_invoiceline",
        "billing_invoiceline_locked",
        "BEFORE INSERT OR UPDATE OR DELETE",
        "line_locked",
    ),
    (
        "billing_payment",
        "billing_payment_append_only",
        "BEFORE UPDATE OR DELETE",
        "payment_append_only",
    ),
    ("billing_payment", "billing_refund_within", "BEFORE INSERT", "refund_within"),
)


def pg_forward():
    sql = [PG_FUNCTIONS]
    for table, name, when, function in PG_TRIGGERS:
        sql.append(
            f"CREATE TRIGGER {name} {when} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION sacrum_billing_{function}();"
        )
    sql.append(
        "CREATE TRIGGER billing_clinic_currency_locked BEFORE UPDATE OF currency "
        "ON clinics_clinic FOR EACH ROW WHEN (OLD.currency IS DISTINCT FROM NEW.currency) "
        "EXECUTE FUNCTION sacrum_billing_currency_locked();"
    )
    return sql


def pg_backward():
    sql = [f"DROP TRIGGER IF EXISTS {name} ON {table};" for table, name, _, _ in PG_TRIGGERS]
    sql.append("DROP TRIGGER IF EXISTS billing_clinic_currency_locked ON clinics_clinic;")
    sql += [
        f"DROP FUNCTION IF EXISTS sacrum_billing_{function}();"
        for function in (*(t[3] for t in PG_TRIGGERS), "currency_locked")
    ]
    return sql


def _unchanged():
    return "\n    AND ".join(f"NEW.{c} IS OLD.{c}" for c in COLUMNS)


def sqlite_forward():
    line_parent = "SELECT 1 FROM billing_invoice WHERE status <> 'draft' AND id = "
    return [
        f"""CREATE TRIGGER billing_invoice_locked BEFORE UPDATE ON billing_invoice
WHEN OLD.status <> 'draft' AND NOT (
    OLD.status = 'issued' AND NEW.status = 'void' AND OLD.kind = 'invoice'
    AND NEW.voided_at IS NOT NULL AND NEW.void_reason <> ''
    AND {_unchanged()}
    AND {NOT_REFERRED})
BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
        f"""CREATE TRIGGER billing_invoice_no_delete BEFORE DELETE ON billing_invoice
WHEN OLD.status <> 'draft' AND NOT sacrum_wiping()
BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
        f"""CREATE TRIGGER billing_invoiceline_locked BEFORE UPDATE ON billing_invoiceline
WHEN EXISTS ({line_parent}OLD.invoice_id) OR EXISTS ({line_parent}NEW.invoice_id)
BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
        f"""CREATE TRIGGER billing_invoiceline_locked_insert BEFORE INSERT ON billing_invoiceline
WHEN EXISTS ({line_parent}NEW.invoice_id)
BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
        f"""CREATE TRIGGER billing_invoiceline_no_delete BEFORE DELETE ON billing_invoiceline
WHEN NOT sacrum_wiping() AND EXISTS ({line_parent}OLD.invoice_id)
BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
        f"""CREATE TRIGGER billing_payment_append_only BEFORE UPDATE ON billing_payment
BEGIN SELECT RAISE(ABORT, '{PAYMENTS}'); END;""",
        f"""CREATE TRIGGER billing_payment_no_delete BEFORE DELETE ON billing_payment
WHEN NOT sacrum_wiping()
BEGIN SELECT RAISE(ABORT, '{PAYMENTS}'); END;""",
        f"""CREATE TRIGGER billing_refund_within BEFORE INSERT ON billing_payment
WHEN NEW.refund_of_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM billing_payment p WHERE p.id = NEW.refund_of_id AND (
        p.kind <> 'payment'
        OR (SELECT COALESCE(SUM(r.amount), 0) FROM billing_payment r
            WHERE r.refund_of_id = NEW.refund_of_id) + NEW.amount > p.amount))
BEGIN SELECT RAISE(ABORT, '{REFUND}'); END;""",
        f"""CREATE TRIGGER billing_clinic_currency_locked BEFORE UPDATE OF currency ON clinics_clinic
WHEN OLD.currency IS NOT NEW.currency AND EXISTS (
    SELECT 1 FROM billing_invoice WHERE clinic_id = NEW.id AND status <> 'draft')
BEGIN SELECT RAISE(ABORT, '{CURRENCY}'); END;""",
    ]


SQLITE_NAMES = (
    "billing_invoice_locked",
    "billing_invoice_no_delete",
    "billing_invoiceline_locked",
    "billing_invoiceline_locked_insert",
    "billing_invoiceline_no_delete",
    "billing_payment_append_only",
    "billing_payment_no_delete",
    "billing_refund_within",
    "billing_clinic_currency_locked",
)


def sqlite_backward():
    return [f"DROP TRIGGER IF EXISTS {name};" for name in SQLITE_NAMES]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = (
        pg_forward() if vendor == "postgresql" else sqlite_forward() if vendor == "sqlite" else []
    )
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = (
        pg_backward() if vendor == "postgresql" else sqlite_backward() if vendor == "sqlite" else []
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_invoices_payments_settings")]
    operations = [migrations.RunPython(forward, backward)]
