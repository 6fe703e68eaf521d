"""Partial indexes for the reports: an invoice's credit notes, a payment's refunds.

Adding an index does not alter the table, so migration 0002's SQLite triggers stay as they
are. The plain foreign-key indexes remain; these hold only the non-NULL rows, which SQLite's
statistics then describe truly (with NULLs counted as one value, its planner scanned every
payment for the refunds of each invoice in the outstanding report).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_superbill_codes_package_revocation")]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("credits__isnull", False)),
                fields=["credits"],
                name="billing_inv_credits",
            ),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(
                condition=models.Q(("refund_of__isnull", False)),
                fields=["refund_of"],
                name="billing_pay_refund_of",
            ),
        ),
    ]
