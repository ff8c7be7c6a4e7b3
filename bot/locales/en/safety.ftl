emergency-reply =
    🚨 This may be an emergency. Call { $emergency } now!
    Don't wait, and don't drive yourself to hospital.
    Centre phone: { $phone }
    We have alerted { $alerted }. Nothing will be booked now.
btn-call-120 = 📞 I have called 120
emergency-ack = OK. Keep your phone on: your family doctor will contact you.
callback-requested = ☎️ { $doctor } has been asked to call you back. Please keep your phone on.
callback-no-doctor = ☎️ The centre's doctor on duty has been asked to call you back. Please keep your phone on.
callback-need-profile = Please finish your profile first (/start) so that a doctor can call you.
emergency-alerted-doctor = your family doctor
emergency-alerted-both = your family doctor and your emergency contact
callback-requested-team = ☎️ { $doctor }'s team has been asked to call you back. Please keep your phone on.
callback-not-queued = Sorry, we could not reach a doctor just now. Please call the centre on { $phone }.
