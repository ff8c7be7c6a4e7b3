welcome = Hello! I'm Jiayi, the booking helper of your community health service centre.
privacy-notice =
    📄 Privacy notice
    To book and remind you, we keep: your name, phone, birth year, address (for home visits), priority groups, an emergency contact, and your bookings and ratings.
    Only your family-doctor team and the providers who serve you can see them.
    Send /mydata to export them or /deletedata to delete them, at any time.
    Do you agree?
btn-consent = ✅ I agree
btn-decline = ❌ I don't agree
consent-declined = That's fine. Without your consent we keep nothing and cannot book for you. You can call the centre at { $phone }. Tap /start whenever you change your mind.
ask-name = What should we call you?
bad-name = Please use 1 to 30 characters for your name.
ask-phone = Please tap the button below to share your phone number (your doctor will call it if needed).
btn-share-phone = 📱 Share my phone number
bad-phone = That number doesn't look right. Tap the button, or type your phone number.
bad-phone-area-code = Please add the area code in front of a landline number, e.g. 010-6422 1234. Or tap the button to share your mobile number.
ask-birth-year = What year were you born? (e.g. 1950)
bad-birth-year = I didn't get the year. Please type 4 digits, e.g. 1950.
ask-address = What is your address (building, flat)? We need it for home visits. Tap "Skip" if you don't need home visits.
bad-address = That address is too long or too short. Please try again.
ask-groups = Which of these apply to you? Choose any, then tap "Done".
group-elderly_65 = Aged 65+
group-hypertension = High blood pressure
group-diabetes = Diabetes
group-pregnancy = Pregnant or new mother
group-child = Child at home
group-disability = Disability
btn-groups-done = 👍 Done
ask-emergency-contact = Do you have an emergency contact? Send: name and phone, e.g. "Wang Xiaoming 13800138000". Or tap "Skip".
bad-emergency-contact = Please send "name phone", e.g. "Wang Xiaoming 13800138000", or tap "Skip".
profile-done = Thank you, { $name }. Your profile is ready!
