emergency-reply =
    🚨 这可能是急症，请马上拨打 { $emergency } 急救电话！
    不要等，也不要自己开车去医院。
    社区中心电话：{ $phone }
    这次不会为您预约。
btn-call-120 = 📞 我已经打了 120
emergency-ack = 好的。请保持电话畅通，家庭医生会联系您。
callback-requested = ☎️ 已经请 { $doctor } 给您回电，请保持电话畅通。
callback-no-doctor = ☎️ 已经请社区中心的值班医生给您回电，请保持电话畅通。
callback-need-profile = 请先完成资料（/start），医生才能给您回电。
emergency-crisis = 💬 如果您有伤害自己的念头，请马上拨打 { $emergency }，或心理援助热线 { $crisis }（24小时）。您不是一个人，我们在。
emergency-told-doctor = 我们已经通知了您的家庭医生 { $doctor }。
emergency-told-team = 我们已经通知了您家庭医生团队的医护人员。
emergency-told-duty = 我们已经通知了社区中心的值班医生。
emergency-told-nobody = 我们暂时没能通知到医生。请直接拨打 { $emergency }，再打社区中心电话 { $phone }。
emergency-told-contact = 也已经通知了您的紧急联系人 { $name }。
emergency-call-contact = 请马上打电话给您的紧急联系人 { $name }：{ $phone }。
emergency-no-profile = 请把地址告诉 120。完成资料（/start）后，我们能直接通知您的家庭医生。
emergency-storage-down = 系统暂时无法通知医生。请直接拨打 { $emergency }，再打社区中心电话 { $phone }。
possible-emergency = ⚠️ 如果有胸口疼、出冷汗、嘴歪、说话不清、喘不上气、昏倒、大出血这些情况，请马上拨打 { $emergency }！
possible-emergency-question = 请问现在是紧急情况吗？
btn-is-emergency = 🚨 是，很紧急
btn-not-emergency = 不是，继续
possible-continue = 好的，我们继续。情况有变化，请随时拨打 { $emergency }。
callback-requested-team = ☎️ { $doctor } 医生的团队会给您回电，请保持电话畅通。
callback-not-queued = 抱歉，现在没能联系上医生。请直接打社区中心电话 { $phone }。
