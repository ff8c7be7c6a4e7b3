emergency-reply =
    🚨 这可能是急症，请马上拨打 { $emergency } 急救电话！
    不要等，也不要自己开车去医院。
    社区中心电话：{ $phone }
    我们已经通知{ $alerted }。这次不会为您预约。
btn-call-120 = 📞 我已经打了 120
emergency-ack = 好的。请保持电话畅通，家庭医生会联系您。
callback-requested = ☎️ 已经请 { $doctor } 给您回电，请保持电话畅通。
callback-no-doctor = ☎️ 已经请社区中心的值班医生给您回电，请保持电话畅通。
callback-need-profile = 请先完成资料（/start），医生才能给您回电。
emergency-alerted-doctor = 您的家庭医生
emergency-alerted-both = 您的家庭医生和紧急联系人
callback-requested-team = ☎️ { $doctor } 医生的团队会给您回电，请保持电话畅通。
callback-not-queued = 抱歉，现在没能联系上医生。请直接打社区中心电话 { $phone }。
