emergency-reply =
    🚨 This may be an emergency. Call { $emergency } now!
    Don't wait, and don't drive yourself to hospital.
    Centre phone: { $phone }
    Nothing will be booked now.
btn-call-120 = 📞 I have called 120
emergency-ack = OK. Keep your phone on: your family doctor will contact you.
callback-requested = ☎️ { $doctor } has been asked to call you back. Please keep your phone on.
callback-no-doctor = ☎️ The centre's doctor on duty has been asked to call you back. Please keep your phone on.
callback-need-profile = Please finish your profile first (/start) so that a doctor can call you.
emergency-crisis = 💬 If you are thinking of hurting yourself, call { $emergency } now, or the crisis line { $crisis } (24 hours). You are not alone.
emergency-told-doctor = We have told your family doctor, { $doctor }.
emergency-told-team = We have told the nurses and doctors of your family-doctor team.
emergency-told-duty = We have told the centre's doctor on duty.
emergency-told-nobody = We could not reach a doctor yet. Call { $emergency } now, then the centre on { $phone }.
emergency-told-contact = We have also told your emergency contact, { $name }.
emergency-call-contact = Please call your emergency contact { $name } now: { $phone }.
emergency-no-profile = Give your address to 120. Once you finish your profile (/start), we can tell your family doctor directly.
emergency-storage-down = We cannot reach the doctors right now. Call { $emergency } now, then the centre on { $phone }.
possible-emergency = ⚠️ If there is chest pain, cold sweat, a drooping face, slurred speech, trouble breathing, fainting or heavy bleeding, call { $emergency } now!
possible-emergency-question = Is this an emergency right now?
btn-is-emergency = 🚨 Yes, it's urgent
btn-not-emergency = No, go on
possible-continue = OK, let's go on. If things change, call { $emergency } at any time.
callback-requested-team = ☎️ { $doctor }'s team has been asked to call you back. Please keep your phone on.
callback-not-queued = Sorry, we could not reach a doctor just now. Please call the centre on { $phone }.
