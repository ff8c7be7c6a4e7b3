## Prevention and care: home readings, care plans, family accounts, lectures and waitlists

menu-health = 📈 My health
menu-family = 👪 Family

## Home readings
reading-bp = blood pressure { $systolic }/{ $diastolic }
reading-bp-pulse = blood pressure { $systolic }/{ $diastolic }, pulse { $pulse }
reading-glucose = { $context } glucose { $value }
context-fasting = fasting
context-after_meal = after-meal
context-random = random
level-normal = on target 👍
level-high = high
level-very_high = very high
level-low = low
reading-saved = 📝 Noted{ $whose }: { $reading } ({ $level }).
reading-saved-self = { "" }
reading-saved-for = { " " }for { $name }
reading-target-bp = Target: below { $systolic }/{ $diastolic }.
reading-target-glucose = Target: below { $fasting } fasting, below { $after_meal } after meals.
reading-urgent-bp = ⚠️ This blood pressure is very high. Sit down and rest, take your usual pills, do not take extra. If you get a bad headache, chest pain, slurred speech or weakness on one side, call { $emergency } at once.
reading-urgent-low = ⚠️ Your blood sugar is low. Eat some sugar or drink half a glass of juice now and check again in 15 minutes. If you sweat, feel confused or cannot stay awake, call { $emergency } at once.
reading-urgent-next = { $doctor } has been told and will look at your readings soon. You can book one of these times today, or ask the doctor to call you:
reading-urgent-next-nodoctor = The centre's duty doctor has been told. You can book one of these times today, or ask a doctor to call you:
reading-repeated = Your last few readings were high: { $doctor } has been asked to look at them, and the advice will come here.
reading-repeated-nodoctor = Your last few readings were high: a doctor at the centre has been asked to look at them, and the advice will come here.
reading-family-unlinked = Is this a family member's reading? Link to them first under 👪 Family (they need to agree), then I can record it for them.
reading-how = To record a reading just send it to me, for example "BP 145/95", "fasting sugar 7.8" or "glucose 10.2 after lunch". A voice note works too.
reading-need-profile = Please send /start and fill in your profile first, then record your readings.
reading-chart-caption = { $title } (last 30 days)
reading-chart-title-bp = { $name }: blood pressure
reading-chart-title-glucose = { $name }: blood glucose
chart-systolic = systolic (top)
chart-diastolic = diastolic (bottom)
chart-glucose = glucose
chart-target = target
health-none = No readings yet. { reading-how }
health-summary-bp = Blood pressure: { $count } readings, average { $systolic }/{ $diastolic }, { $high } high.
health-summary-glucose = Glucose: { $count } readings, { $high } high, { $low } low.
health-plan-header = 🗓 Your care plan:
health-plan-line = { "  " }{ $plan }: { $date }{ $status }
plan-status-booked = { " " }(booked)
plan-status-open = { "" }
plan-status-offered = { "" }
btn-show-chart = 📈 Show my chart
btn-classes = 🎓 Health lectures
weekly-chart = 📈 Your { $what } this week: { $summary }
weekly-what-bp = blood pressure
weekly-what-glucose = glucose
guidance-to-resident =
    👩‍⚕️ { $doctor } looked at your readings and advises:
    { $guidance }
guidance-to-family =
    👩‍⚕️ { $doctor } looked at { $name }'s readings and advises:
    { $guidance }

## Providers: reviewing readings, guidance
review-head-urgent = ⚠️ Home reading out of range (urgent)
review-head-repeated = 📈 Repeated high readings, please review
review-who = Resident: { $name }{ $age }, phone { $phone }
review-reading = Latest: { $reading } ({ $level }), { $when }
review-reporter = (reported by family member { $reporter })
review-recent = Last 7 days: { $count } readings, { $high } high
btn-guidance = ✍️ Reply with guidance
btn-followup-done = ✅ Called
guidance-ask = Type your advice for { $name } (it is sent as written). /cancel to stop.
guidance-sent = ✅ Sent to { $name }.
guidance-closed = Someone has answered this already.
guidance-not-yours = This is not yours to answer.
guidance-empty = Please write a few words for the resident.
agenda-reviews-header = 📈 Home readings to review ({ $count }):
agenda-review-line = { "  " }{ $name } · { $reading } ({ $level })
agenda-followups-header = ☎️ Follow-up calls after a service ({ $count }):
agenda-followup-line = { "  " }{ $name } · { $phone } · { $service } · by { $due }
agenda-overdue-header = 🗓 Overdue care plan items ({ $count }):
agenda-overdue-line = { "  " }{ $name } · { $phone } · { $plan } · due { $date }
followup-call-due =
    ☎️ Follow-up call: { $name }{ $age }, phone { $phone }
    { $service } ({ $when }) is done; please call by { $due }.
followup-marked-done = ✔️ Follow-up call marked done.

## Care plans
care-plan-due-week = 🗓 Your { $plan } is due next week ({ $date }).
care-plan-due-days = 🗓 Your { $plan } is due in { $days } days ({ $date }).
care-plan-due-now = 🗓 Your { $plan } is due ({ $date }); please book soon.
care-plan-offers = { $doctor } has these times; tap one to book:
care-plan-offers-none = No suitable times soon: tap "Other times" to choose, or ask the doctor to call you.
btn-plan-other = 🔎 Other times
care-plan-family-due = { $name }'s { $plan } is due soon ({ $date }).
care-plan-booked = This booking counts as your { $plan }.

## Family accounts
family-about = [About { $name } ({ $relation })]
family-menu = 👪 Family accounts: a family member can book for you, report your readings, and get your reminders and emergency alerts.
family-menu-elders = Family you look after:
family-menu-members = Family who can act for you:
family-line-elder = { "  " }{ $name } ({ $relation }){ $alerts }
family-line-member = { "  " }{ $name } ({ $relation })
family-alerts-on = { " " }· gets reminders and alerts
family-alerts-off = { " " }· no reminders
btn-family-link = ➕ I look after a family member
btn-family-code = 🔑 Enter a family code
btn-family-book = 📅 Book for { $name }
btn-family-health = 📈 { $name }'s readings
btn-family-revoke = ✖️ Unlink { $name }
btn-family-alerts-off = 🔕 Stop { $name }'s reminders
btn-family-alerts-on = 🔔 Get { $name }'s reminders
family-relation-ask = The person you look after is your…
relation-parent = parent
relation-spouse = spouse
relation-child = child
relation-other = other relative
relation-family = family member
btn-relation-parent = Parent
btn-relation-spouse = Spouse
btn-relation-child = Child
btn-relation-other = Other relative
family-code-issued =
    Your family code is: { $code }
    Give it to { $relation ->
        [parent] your parent
        [spouse] your spouse
        [child] your child
       *[other] the person you look after
    } and ask them to send it to me (valid for 24 hours). Once they agree you can book for them, report their readings, and get their reminders and alerts.
family-code-ask = Please type the 6-digit code your family member gave you:
family-code-bad = That code is wrong or has expired. Ask your family member for a new one.
family-confirm =
    { $member } (your { $relation }) would like to look after your health:
    · book and cancel for you
    · report your blood pressure and glucose
    · get your reminders and emergency alerts
    Do you agree? You can undo it any time under 👪 Family.
btn-family-allow = ✅ I agree
btn-family-deny = ✖️ No
family-linked-elder = ✅ Done: { $member } can now act for you. To undo it, tap 👪 Family.
family-linked-member = ✅ { $name } agreed. You can now book for { $name }, report their readings, and you will get their reminders and alerts.
family-denied = All right, nothing was linked.
family-unlink-ask-elder =
    End the link with { $name } (your { $relation })?
    Afterwards they can no longer book for you or get your reminders and alerts. Linking again needs a new code.
family-unlink-ask-member =
    End the link with { $name } (your { $relation })?
    Afterwards you can no longer book for them or get their reminders and alerts. Linking again needs a new code.
btn-family-unlink-yes = ✅ Yes, end it
btn-family-unlink-no = ↩️ Cancel
family-unlink-kept = All right, nothing changed: the link with { $name } stays.
family-unlink-already = The link with { $name } has already ended; there is nothing more to do. Linking again needs a new code.
family-revoked = The link with { $name } has ended.
family-unlinked-by-member = Your { $relation } { $member } ended the link with you: they will no longer get your reminders or book for you.
family-revoked-member = { $name } ended the link: you will no longer get messages about them.
family-none = You do not look after anyone yet.
family-not-linked = You are no longer linked to this family member.
family-need-profile = Please send /start and fill in your own profile first.
family-booking-for = 👪 Booking for { $name } ({ $relation }).
family-readback-for = For: { $name } ({ $relation })
family-proxy-booked = Your { $relation } { $member } booked for you: { $service }, { $when }, { $provider }.
family-proxy-cancelled = Your { $relation } { $member } cancelled your booking: { $service }, { $when }, { $provider }.
family-proxy-rescheduled = Your { $relation } { $member } moved your booking: { $service }, from { $old_when } to { $when }, { $provider }.
family-other-booked = { $member } booked for { $name }: { $service }, { $when }, { $provider }.
family-other-cancelled = { $member } cancelled { $name }'s booking: { $service }, { $when }, { $provider }.
family-other-rescheduled = { $member } moved { $name }'s booking: { $service }, from { $old_when } to { $when }, { $provider }.
family-who = For whom?
family-reminder =
    ⏰ Reminder: { $name } has an appointment { $when_label }
    { $service }, { $when }, { $provider }, { $modality }
family-alert-reading = ⚠️ { $name } just reported { $reading }, { $level }; the family doctor has been told. Please check on them.
family-emergency = 🚨 { $name } may have an emergency ({ $category }) and was told to call { $emergency }. Address: { $address }. Please contact them at once.

## Progress
progress-submitted = submitted
progress-accepted = accepted
progress-booked = booked
progress-done = done
progress-line = Progress: { $steps }

## Lectures and waitlists
classes-header = 🎓 Health lectures and classes coming up (weekends and evenings):
classes-line = { $when } · { $title } · { $place } · { $left } seats left
classes-line-full = { $when } · { $title } · { $place } · full
classes-none = No lectures coming up.
classes-mine = You signed up for:
btn-class-sign = ✍️ Sign up { $when }
btn-class-wait = 🔔 Waitlist { $when }
btn-class-cancel = ✖️ Cancel { $when }
class-readback =
    Please check: sign up for { $title }
    { $when }, { $place }
    Is that right?
btn-class-confirm = ✅ Sign me up
class-signed = ✅ Signed up: { $title }, { $when }, { $place }. You will get a reminder.
class-full = This one is full. You can join the waitlist and you will be told at once if a seat frees up.
class-gone = This session has already started or ended.
class-cancelled = Sign-up cancelled: { $title }, { $when }.
class-reminder =
    ⏰ Reminder: health lecture { $when_label }
    { $title }, { $when }, { $place }
class-reminder-family =
    ⏰ Reminder: { $name } signed up for a health lecture { $when_label }
    { $title }, { $when }, { $place }
roster-head = 🎓 Attendance: { $title }, { $when } ({ $count } signed up). Tap each person who came:
btn-attended = ✅ { $name } came
attended-marked = ✔️ Marked as attended.
attended-not-yours = You are not the host of this session.
waitlist-joined = 🔔 You are on the waitlist, number { $position }. If a seat frees up you will be told at once and it will be kept for you for { $minutes } minutes.
waitlist-already = You are on the waitlist already.
btn-waitlist-slot = 🔔 Wait for this time
waitlist-offer-slot = 🎉 A seat is free: { $service }, { $when }, { $provider }. Kept for you until { $until }. Do you want it?
waitlist-offer-session = 🎉 A seat is free: { $title }, { $when }, { $place }. Kept for you until { $until }. Do you want it?
btn-waitlist-take = ✅ Yes, I'll take it
btn-waitlist-decline = ✖️ No, thanks
waitlist-taken-slot = ✅ Booked: { $service }, { $when }, { $provider }.
waitlist-taken-session = ✅ Signed up: { $title }, { $when }.
waitlist-gone = Sorry, the hold ran out and the seat went to the next person.
waitlist-declined = All right, it goes to the next person.
