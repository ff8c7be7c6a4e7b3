summary-new = 🆕 New booking #{ $id }
summary-cancelled = ❌ Booking cancelled #{ $id }
summary-rescheduled = 🔄 Booking moved #{ $id } (was { $old_when })
summary-by-family = 👪 Done by a family member, { $member } (family account)
summary-body =
    Resident: { $name }{ $age }
    Priority groups: { $groups }
    Service: { $service }
    Time: { $when }
    How: { $modality }
summary-age = , { $age }
summary-address = Address: { $address }
summary-phone = Phone: { $phone }
summary-request = In their words: "{ $text }"
summary-urgent = ⚠️ Urgent: please see them today or call back within 30 minutes.
summary-none = none
alert-emergency-head = 🚨 Emergency alert ({ $category })
alert-emergency-who = Resident: { $name }{ $age }, phone { $phone }
alert-emergency-address = Address: { $address }
alert-emergency-unknown = Not registered: { $reporter }
alert-emergency-affected = About: { $who }
alert-emergency-words = In their words: "{ $text }"
alert-emergency-told = They were told to call 120. Please contact them now.
alert-emergency-contact = 🚨 { $name } has just reported red-flag symptoms in Jiayi ({ $category }) and was told to call 120. Please contact them now. Phone: { $phone }, address: { $address }
alert-callback =
    ☎️ Call-back request ({ $reason }): { $name }{ $age }
    Phone: { $phone }
    Priority groups: { $groups }
alert-callback-voice = 🎙 The resident's voice note:
callback-reason-urgent = urgent, within 30 minutes
callback-reason-voice = voice note not understood
callback-reason-help = needs help
callback-reason-contact = wants to talk to the doctor
callback-reason-other = other
category-chest_pain = chest pain
category-stroke = stroke signs
category-collapse = collapse
category-not_breathing = not breathing
category-breathing = trouble breathing
category-anaphylaxis = severe allergic reaction
category-infant = baby or child in danger
category-other = emergency
category-detector = emergency
category-unknown = emergency
category-bleeding = heavy bleeding
category-seizure = seizure
category-poisoning = poisoning or overdose
category-suicide = suicidal thoughts
category-model = emergency
category-unspecified = emergency
category-abdominal_pain = sudden severe belly pain
category-fall_injury = injury from a fall
category-high_bp = very high blood pressure
category-high_fever = high fever
category-infant_fever = fever in a baby or small child
category-pregnancy = a change in the baby's movements in pregnancy
category-vomiting = vomiting or diarrhoea that won't stop
category-wound = a wound or catheter problem
reminder =
    ⏰ Reminder: you have a booking { $when_label }
    { $service }, { $when }, { $provider }, { $modality }
    To prepare: { $preparation }
reminder-24 = tomorrow
reminder-2 = in two hours
reminder-other = in { $hours } hours
btn-attend = ✅ I'll be there
btn-accept = ✅ Accept
btn-propose = 🕑 Propose another time
btn-provider-decline = ✖️ Can't take it
btn-done = ✔️ Done
btn-no-show = 🚫 No-show
btn-callback-done = ✔️ Called back
beneficiary-self = the resident
beneficiary-parent = a parent
beneficiary-spouse = a spouse
beneficiary-child = a child
beneficiary-other = someone else
summary-cancelled-deleted = ❌ Booking #{ $id } cancelled: { $service }, { $when }. The resident deleted their data.
alert-callback-for = (meant for { $doctor }, whose account is not linked)
alert-emergency-undelivered =
    🚨 Duty, please act: an emergency alert has not reached the { $who } for { $minutes } minutes:
    { $text }
recipient-provider = doctor
recipient-contact = emergency contact
recipient-family = family member
recipient-resident = resident
recipient-staff = staff
delivery-failed-staff = ⚠️ A message could not be delivered (#{ $id }, { $kind }: { $error }). Resident: { $name }, phone { $phone }. Please contact them.
digest-head = 📋 { $count } new notices for you, most urgent first:
digest-item = ── { $n }/{ $total } ──
digest-foot = Several notices come together without buttons. To accept, decline or mark them done: send /agenda, or /web for your workbench.
