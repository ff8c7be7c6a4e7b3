provider-linked = ✅ Linked: { $name }. You will get every booking and cancellation here. Send /agenda for your agenda.
provider-invite-bad = That invite code is unknown or expired. Please ask the centre's administrator for a new one.
provider-hello = Hello, { $name }. Send /agenda for your agenda. Bookings, cancellations and call-back requests reach you here.
provider-invite-how = Please send the invite code with it, for example: /provider JY-ABCD-1234 (the centre's administrator gives you the code).
