bookings-none = You have no bookings.
bookings-header = Your bookings:
booking-line = { $when } · { $service } · { $provider } · { $modality }
btn-cancel-booking = ✖️ Cancel this
btn-resched-booking = 🔄 Change time
cancel-readback = Cancel this booking?
    { $service }, { $when }, { $provider }
btn-confirm-cancel = ✅ Yes, cancel
btn-keep = ↩️ Keep it
booking-cancelled = Cancelled: { $service }, { $when }.
booking-kept = OK, the booking stays.
booking-not-changeable = This booking can no longer be changed.
resched-intro = Change the time: { $service } (was { $when }). Choose a new time:
rescheduled = ✅ Changed! New time: { $service }, { $when }, { $provider }.
