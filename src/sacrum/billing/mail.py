"""Invoices and receipts by e-mail, in the clinic's name, rendered by the worker.

The job holds only the kind and the document's id; the worker renders the PDF and the
text at send time. The message is signed with the clinic's name and answers go to the
clinic's address (the sender is the server's own address, which its mail setup allows).
"""

from __future__ import annotations

from sacrum.billing.models import Invoice, Payment
from sacrum.billing.pdf import invoice_pdf, receipt_pdf
from sacrum.clinics.mail import sender_of
from sacrum.kernel.mail import Message, message


@message("sacrum.billing.mail:invoice")
def invoice(ref: str) -> Message | None:
    found = Invoice.objects.select_related("clinic", "client").filter(pk=ref).first()
    if found is None or found.is_draft or not found.client.email:
        return None
    clinic = found.clinic
    return Message(
        subject=f"{found.title} from {clinic.name}",
        body=(
            f"Dear {found.client.first_name},\n\nplease find {found.title.lower()} attached.\n\n"
            f"With kind regards,\n{clinic.name}\n"
        ),
        to=[found.client.email],
        reply_to=[clinic.email] if clinic.email else None,
        sender=sender_of(clinic),
        attachments=[(f"{found.number_text}.pdf", invoice_pdf(found), "application/pdf")],
    )


@message("sacrum.billing.mail:receipt")
def receipt(ref: str) -> Message | None:
    found = Payment.objects.select_related("clinic", "client", "invoice").filter(pk=ref).first()
    if found is None or not found.client.email:
        return None
    clinic = found.clinic
    return Message(
        subject=f"Your receipt from {clinic.name}",
        body=(
            f"Dear {found.client.first_name},\n\nthank you; your receipt is attached.\n\n"
            f"With kind regards,\n{clinic.name}\n"
        ),
        to=[found.client.email],
        reply_to=[clinic.email] if clinic.email else None,
        sender=sender_of(clinic),
        attachments=[("receipt.pdf", receipt_pdf(found), "application/pdf")],
    )
