agenda-header = 📋 { $date } 的日程（{ $count } 个）
agenda-line = { $time } { $service } · { $name }{ $age } · { $modality }
agenda-address = 　📍 { $address }
agenda-empty = 📋 { $date } 没有预约。
agenda-not-provider = 这个功能只给医生和服务人员用。
rating-request = 您 { $when } 的{ $service }（{ $provider }）怎么样？请打个分：
rating-thanks = 谢谢您的评价！
rating-ask-comment = 想说点什么吗？可以打字或发语音；不想说就点“跳过”。
rating-comment-saved = 收到，谢谢！我们会认真看。
rating-already = 这次服务已经评过分了，谢谢！
rating-low-followup = 很抱歉这次没让您满意。中心工作人员会联系您了解情况。
btn-skip-comment = ⏭ 跳过
followup-staff =
    ⚠️ 低分评价 { $score }★（跟进 #{ $id }）
    { $service } · { $provider } · { $when }
    居民：{ $name }，电话 { $phone }
    评论：{ $comment }
provider-accepted = ✅ 已接受预约 #{ $id }。
resident-accepted = ✅ { $provider } 已确认您的预约：{ $service }，{ $when }。
provider-declined = 已拒绝预约 #{ $id }，已通知居民重新选择。
resident-declined = 抱歉，{ $provider } 无法在 { $when } 为您服务（{ $service }），预约已取消。请点下面重新选个时间：
btn-rebook = 📅 重新预约
provider-propose-pick = 请选一个新的时间建议给居民：
provider-propose-none = 最近没有空的时间可以建议。
provider-proposed = 已把新时间 { $when } 发给居民，等待确认。
resident-proposal = { $provider } 建议把您的预约（{ $service }）从 { $old_when } 改到 { $when }。可以吗？
btn-take-proposal = ✅ 改到这个时间
btn-keep-looking = 🔎 我自己另选
proposal-taken = ✅ 已改好：{ $service }，{ $when }。
provider-proposal-accepted = ✅ 居民同意改到 { $when }（预约 #{ $id }）。
provider-marked-done = ✔️ 已标记完成 #{ $id }。
provider-marked-noshow = 🚫 已标记未到 #{ $id }。
provider-not-yours = 这个预约不是您的，无法操作。
callback-marked-done = ✔️ 已标记回电完成。
attend-confirmed = 👍 好的，等您来！
stats-not-staff = 这个功能只给中心工作人员用。
