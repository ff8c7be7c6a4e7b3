ask-service = Which service would you like?
btn-more-services = ➕ More services
btn-fewer-services = ↩️ Common services
ask-day = { $service }: which day?
day-today = Today
day-tomorrow = Tomorrow
day-this-week = Any day this week
day-pick = 📆 Pick a day
ask-date = Please pick a day:
ask-part-of-day = Morning or afternoon?
pod-morning = 🌅 Morning
pod-afternoon = 🌇 Afternoon
pod-any = Either
ask-modality = How would you like to be seen?
ask-home-address = For a home visit we need your address (building, flat). Please tell me.
offers-exact = These times are free. Tap one:
offers-alternative = Nothing fits exactly ({ $why }). Here are the nearest times:
reason-window_full = the time you asked for is fully booked
reason-window_no_sessions = there are no sessions for this at the time you asked for
reason-window_not_open = that day is not open for booking yet
reason-modality_unavailable = that way of being seen has no free time soon
reason-gender_unavailable = no doctor of the gender you asked for is free soon
reason-family_doctor_unavailable = your family doctor is not free soon
reason-other = other times are closer
offer-line = { $when } · { $provider } · { $modality }
offer-seats = ({ $seats } places left)
btn-other-times = 🔎 Other times
btn-call-me = ☎️ Ask my doctor to call me
no-offers = Sorry, there is no free time in the next two weeks. Your family doctor can call you back, or call the centre: { $phone }.
when-understood = I understood the time as: { $when }.
readback =
    Please check:
    Service: { $service }
    Time: { $when }
    With: { $provider }
    How: { $modality }
readback-address = Address: { $address }
readback-question = Is that right?
btn-confirm-booking = ✅ Confirm booking
btn-change = ✏️ Choose again
slot-taken = Someone has just taken that time. Please choose another:
booked =
    ✅ Booked!
    { $service }, { $when }, { $provider }, { $modality }.
    To prepare: { $preparation }
    We will remind you beforehand.
booking-failed = That time can no longer be booked. Please choose another.
urgent-notice = ⚠️ This sounds urgent. We will look for a time today first, or your doctor can call you back within 30 minutes.
service-unknown = Please tap the service you need:
booking-too-many = You already have { $count } upcoming bookings, the most we keep open at once is { $max }. Please cancel one you no longer need (tap "My bookings") before booking another.
booking-duplicate-day = ⚠️ You already have { $service } booked that day ({ $when }). Book another one?
booking-duplicate-week = ⚠️ You already have { $service } booked that week ({ $when }). Book another one?
btn-book-anyway = ✅ Yes, book another
btn-keep-existing = ↩️ No, keep the one I have
booking-duplicate-kept = All right: your booking stays as it is, nothing new was booked.
