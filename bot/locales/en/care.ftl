agenda-header = 📋 Agenda for { $date } ({ $count })
agenda-line = { $time } { $service } · { $name }{ $age } · { $modality }
agenda-address = 　📍 { $address }
agenda-empty = 📋 No bookings on { $date }.
agenda-not-provider = This is for doctors and providers only.
rating-request = How was your { $service } with { $provider } on { $when }? Please rate it:
rating-thanks = Thank you for rating!
rating-ask-comment = Anything to add? Type or send a voice note, or tap "Skip".
rating-comment-saved = Got it, thank you! We read every comment.
rating-already = This visit has already been rated. Thank you!
rating-low-followup = We're sorry it wasn't good. Someone from the centre will contact you.
btn-skip-comment = ⏭ Skip
followup-staff =
    ⚠️ Low rating { $score }★ (follow-up #{ $id })
    { $service } · { $provider } · { $when }
    Resident: { $name }, phone { $phone }
    Comment: { $comment }
provider-accepted = ✅ Booking #{ $id } accepted.
resident-accepted = ✅ { $provider } confirmed your booking: { $service }, { $when }.
provider-declined = Booking #{ $id } declined; the resident was asked to choose again.
resident-declined = Sorry, { $provider } cannot see you on { $when } ({ $service }); the booking is cancelled. Tap below to choose another time:
btn-rebook = 📅 Book again
provider-propose-pick = Choose a new time to propose to the resident:
provider-propose-none = There is no free time to propose soon.
provider-proposed = The new time { $when } was sent to the resident for confirmation.
resident-proposal = { $provider } proposes to move your { $service } from { $old_when } to { $when }. Is that OK?
btn-take-proposal = ✅ Move to this time
btn-keep-looking = 🔎 I'll choose myself
proposal-taken = ✅ Moved: { $service }, { $when }.
provider-proposal-accepted = ✅ The resident accepted the move to { $when } (booking #{ $id }).
provider-marked-done = ✔️ Booking #{ $id } marked done.
provider-marked-noshow = 🚫 Booking #{ $id } marked no-show.
provider-not-yours = That booking is not yours.
callback-marked-done = ✔️ Call-back marked done.
attend-confirmed = 👍 Great, see you then!
stats-not-staff = This is for the centre's staff only.
