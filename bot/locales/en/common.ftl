app-name = Jiayi
menu-book = 📅 Book a service
menu-bookings = 📋 My bookings
menu-doctor = 👨‍⚕️ My family doctor
menu-callback = ☎️ Ask my doctor to call me
menu-settings = ⚙️ Settings
menu-help = ❓ Help
main-menu = What would you like to do? Tap a big button, or just tell me.
help =
    Jiayi can help you:
    • book a service: blood pressure, blood sugar, a GP visit, home nursing, check-ups, vaccines and more
    • see, cancel or change your bookings
    • reach your family doctor, or ask them to call you back
    Tap a button, type, or send a voice note, e.g. "blood pressure check tomorrow morning".
    /cancel stops what you are doing; /language changes the language; /mydata exports your data; /deletedata deletes it.
    In an emergency call 120 now. Centre phone: { $phone }
help-resume = What you were doing is still open: just answer, or tap /cancel to stop.
cancelled = OK, stopped.
nothing-to-cancel = Nothing is in progress.
btn-yes = ✅ Yes
btn-no = ❌ No
btn-back = ↩️ Back
btn-cancel = ✖️ Cancel
btn-skip = ⏭ Skip
bad-input-media = I can't read that. Please type, send a voice note or tap a button.
bad-input-empty = That message was empty. Could you say it again?
bad-input-too-long = That is a long message. Please tell me in a few words what you need.
stale-button = That button has expired. Please use the latest message.
not-yours = That booking is not yours.
error-generic = Sorry, something went wrong. Nothing you told me was lost. Please try again, or tap "Ask my doctor to call me".
need-start = Please tap /start first.
not-understood = Sorry, I didn't quite get that. Tap a button below, or say it another way.
thanks-reply = You're welcome. Stay well!
greet-reply = Hello! I'm Jiayi.
goodbye-reply = Goodbye, stay well!
language-choose = 请选择语言 / Please choose a language
language-set = OK, I'll speak English with you.
lang-zh = 中文
lang-en = English
weekday-0 = Mon
weekday-1 = Tue
weekday-2 = Wed
weekday-3 = Thu
weekday-4 = Fri
weekday-5 = Sat
weekday-6 = Sun
datetime-format = { $weekday } { $day } { $monthname } { $time }
date-format = { $weekday } { $day } { $monthname }
modality-clinic = At the clinic
modality-home_visit = Home visit
modality-online = Phone or video
too-fast = That was a lot of messages at once. Please wait a minute and try again.
