## 医防融合：家庭测量、随访计划、亲情账户、健康讲座和候补

menu-health = 📈 我的健康
menu-family = 👪 亲情账户

## 家庭测量
reading-bp = 血压 { $systolic }/{ $diastolic }
reading-bp-pulse = 血压 { $systolic }/{ $diastolic }，心率 { $pulse }
reading-glucose = { $context }血糖 { $value }
context-fasting = 空腹
context-after_meal = 餐后
context-random = 随机
level-normal = 在目标范围内 👍
level-high = 偏高
level-very_high = 很高
level-low = 偏低
reading-saved = 📝 已记下{ $whose }：{ $reading }（{ $level }）。
reading-saved-self = 您的
reading-saved-for = { $name }的
reading-target-bp = 目标：低于 { $systolic }/{ $diastolic }。
reading-target-glucose = 目标：空腹低于 { $fasting }，餐后低于 { $after_meal }。
reading-urgent-bp = ⚠️ 这个血压很高。请先坐下休息，按时吃降压药，不要自己加药。如果头痛得厉害、胸口疼、说话不清或一边手脚没劲，马上打 { $emergency }。
reading-urgent-low = ⚠️ 血糖偏低。请马上吃点糖或喝半杯果汁，15分钟后再测一次。如果出冷汗、迷糊或叫不醒，马上打 { $emergency }。
reading-urgent-next = 已通知{ $doctor }，会尽快看您的记录。今天可以约到下面的时间，或者请医生给您回电：
reading-urgent-next-nodoctor = 已通知中心值班医生。今天可以约到下面的时间，或者请医生给您回电：
reading-repeated = 最近几次都偏高，已请{ $doctor }看看您的记录，医生的建议会发到这里。
reading-repeated-nodoctor = 最近几次都偏高，已请中心的医生看看您的记录，医生的建议会发到这里。
reading-family-unlinked = 这是家人的读数吧？先在 👪 亲情账户 里关注TA（需要TA同意），我就能替TA记下来。
reading-how = 想记血压或血糖，直接发给我就行，例如：“血压145/95”、“空腹血糖7.8”、“餐后血糖10.2”。说语音也可以。
reading-need-profile = 请先发 /start 填好资料，再记录血压血糖。
reading-chart-caption = { $title }（最近30天）
reading-chart-title-bp = { $name } 血压趋势
reading-chart-title-glucose = { $name } 血糖趋势
chart-systolic = 收缩压（高压）
chart-diastolic = 舒张压（低压）
chart-glucose = 血糖
chart-target = 目标线
health-none = 还没有血压血糖记录。{ reading-how }
health-summary-bp = 血压：最近 { $count } 次，平均 { $systolic }/{ $diastolic }，{ $high } 次偏高。
health-summary-glucose = 血糖：最近 { $count } 次，{ $high } 次偏高，{ $low } 次偏低。
health-plan-header = 🗓 您的随访计划：
health-plan-line = 　{ $plan }：{ $date }{ $status }
plan-status-booked = （已预约）
plan-status-open = { "" }
plan-status-offered = { "" }
btn-show-chart = 📈 看趋势图
btn-classes = 🎓 健康讲座
weekly-chart = 📈 您这一周的{ $what }记录：{ $summary }
weekly-what-bp = 血压
weekly-what-glucose = 血糖
guidance-to-resident =
    👩‍⚕️ { $doctor }看了您的记录，建议：
    { $guidance }
guidance-to-family =
    👩‍⚕️ { $doctor }看了{ $name }的记录，建议：
    { $guidance }

## 医生端：查看记录、回复指导
review-head-urgent = ⚠️ 家庭测量异常（紧急）
review-head-repeated = 📈 多次偏高，请查看
review-who = 居民：{ $name }{ $age }，电话 { $phone }
review-reading = 最新：{ $reading }（{ $level }），{ $when }
review-reporter = （家属 { $reporter } 代报）
review-recent = 最近7天：{ $count } 次，{ $high } 次偏高
btn-guidance = ✍️ 回复指导
btn-followup-done = ✅ 已回访
guidance-ask = 请输入给 { $name } 的建议（会原样发给居民）。不发了就点 /cancel。
guidance-sent = ✅ 已发给 { $name }。
guidance-closed = 这条记录已经有人回复过了。
guidance-not-yours = 这条记录不归您处理。
guidance-empty = 请写几句话给居民。
agenda-reviews-header = 📈 待查看的家庭测量（{ $count } 个）：
agenda-review-line = 　{ $name } · { $reading }（{ $level }）
agenda-followups-header = ☎️ 服务后电话随访（{ $count } 个）：
agenda-followup-line = 　{ $name } · { $phone } · { $service } · { $due }前
agenda-overdue-header = 🗓 逾期未做的随访计划（{ $count } 个）：
agenda-overdue-line = 　{ $name } · { $phone } · { $plan } · 应于 { $date }
followup-call-due =
    ☎️ 服务后随访：{ $name }{ $age }，电话 { $phone }
    { $service }（{ $when }）已完成，请在 { $due } 前电话回访。
followup-marked-done = ✔️ 已标记回访完成。

## 随访计划
care-plan-due-week = 🗓 您的{ $plan }下周到期（{ $date }）。
care-plan-due-days = 🗓 您的{ $plan }{ $days }天后到期（{ $date }）。
care-plan-due-now = 🗓 您的{ $plan }已经到期（{ $date }），请尽快预约。
care-plan-offers = { $doctor }有这些时间，点一个就能预约：
care-plan-offers-none = 最近没有合适的时间，点“其他时间”自己选，或请医生给您回电。
btn-plan-other = 🔎 其他时间
care-plan-family-due = { $name }的{ $plan }快到期了（{ $date }）。
care-plan-booked = 这次预约会算作您的{ $plan }。

## 亲情账户
family-about = 【关于 { $name }（{ $relation }）】
family-menu = 👪 亲情账户：家人可以替您预约、报告血压血糖，并收到您的提醒和紧急警报。
family-menu-elders = 您关注的家人：
family-menu-members = 能替您办事的家人：
family-line-elder = 　{ $name }（{ $relation }）{ $alerts }
family-line-member = 　{ $name }（{ $relation }）
family-alerts-on = · 接收提醒和警报
family-alerts-off = · 不接收提醒
btn-family-link = ➕ 我是家属，关注老人
btn-family-code = 🔑 输入家人给我的码
btn-family-book = 📅 替{ $name }预约
btn-family-health = 📈 { $name }的记录
btn-family-revoke = ✖️ 解除 { $name }
btn-family-alerts-off = 🔕 不收{ $name }的提醒
btn-family-alerts-on = 🔔 接收{ $name }的提醒
family-relation-ask = 您要关注的是您的？
relation-parent = 父母
relation-spouse = 配偶
relation-child = 子女
relation-other = 其他亲属
relation-family = 家人
btn-relation-parent = 父母
btn-relation-spouse = 配偶
btn-relation-child = 子女
btn-relation-other = 其他亲属
family-code-issued =
    您的家人码是：{ $code }
    请把这个码告诉{ $relation ->
        [parent] 您的父母
        [spouse] 您的配偶
        [child] 您的子女
       *[other] 对方
    }，让TA发给我（24小时内有效）。TA确认后，您就能替TA预约、报告血压血糖，并收到TA的提醒和警报。
family-code-ask = 请输入家人给您的6位数字码：
family-code-bad = 这个码不对或已经过期了。请让家人重新要一个码。
family-confirm =
    { $member }（您的{ $relation }）想关注您的健康：
    · 替您预约、取消
    · 替您报告血压血糖
    · 收到您的提醒和紧急警报
    您同意吗？以后随时可以在 👪 亲情账户 里解除。
btn-family-allow = ✅ 同意
btn-family-deny = ✖️ 不同意
family-linked-elder = ✅ 好的，{ $member } 现在可以帮您办事了。想解除就点 👪 亲情账户。
family-linked-member = ✅ { $name } 已同意。您现在可以替{ $name }预约、报告血压血糖，也会收到{ $name }的提醒和警报。
family-denied = 好的，没有关注。
family-unlink-ask-elder =
    确定解除与 { $name }（您的{ $relation }）的绑定？
    解除后，TA不能再替您预约，也收不到您的提醒和警报。想再绑定，要重新要一个码。
family-unlink-ask-member =
    确定解除与 { $name }（您的{ $relation }）的绑定？
    解除后，您不能再替TA预约，也收不到TA的提醒和警报。想再绑定，要重新要一个码。
btn-family-unlink-yes = ✅ 确定解除
btn-family-unlink-no = ↩️ 取消
family-unlink-kept = 好的，没有解除，和 { $name } 的绑定还在。
family-unlink-already = 您和 { $name } 的绑定已经解除了，不用再点。想再绑定，要重新要一个码。
family-revoked = 已解除和 { $name } 的关注。
family-unlinked-by-member = 您的{ $relation } { $member } 解除了和您的绑定：TA不会再收到您的提醒，也不能再替您预约。
family-revoked-member = { $name } 已解除了您的关注，您不会再收到{ $name }的消息。
family-none = 您还没有关注的家人。
family-not-linked = 您和这位家人已经没有关注关系了。
family-need-profile = 请先发 /start 填好自己的资料，再使用亲情账户。
family-booking-for = 👪 为 { $name }（{ $relation }）预约。
family-readback-for = 为：{ $name }（{ $relation }）
family-proxy-booked = 您的{ $relation } { $member } 为您预约了：{ $service }，{ $when }，{ $provider }。
family-proxy-cancelled = 您的{ $relation } { $member } 取消了您的预约：{ $service }，{ $when }，{ $provider }。
family-proxy-rescheduled = 您的{ $relation } { $member } 把您的预约改了时间：{ $service }，原来 { $old_when }，现在 { $when }，{ $provider }。
family-other-booked = { $member } 替{ $name }预约了：{ $service }，{ $when }，{ $provider }。
family-other-cancelled = { $member } 取消了{ $name }的预约：{ $service }，{ $when }，{ $provider }。
family-other-rescheduled = { $member } 把{ $name }的预约改了时间：{ $service }，原来 { $old_when }，现在 { $when }，{ $provider }。
family-who = 替哪位家人？
family-reminder =
    ⏰ 提醒：{ $when_label }{ $name }有预约
    { $service }，{ $when }，{ $provider }，{ $modality }
family-alert-reading = ⚠️ { $name }刚报告的{ $reading }{ $level }，已通知家庭医生。请多关心一下。
family-emergency = 🚨 { $name } 可能有紧急情况（{ $category }），已让TA打 { $emergency }。地址：{ $address }。请尽快联系TA。

## 进度
progress-submitted = 已提交
progress-accepted = 已接单
progress-booked = 已预约
progress-done = 已完成
progress-line = 进度：{ $steps }

## 健康讲座和候补
classes-header = 🎓 最近的健康讲座和课堂（周末和晚上）：
classes-line = { $when } · { $title } · { $place } · 还剩 { $left } 个位子
classes-line-full = { $when } · { $title } · { $place } · 已满
classes-none = 最近没有讲座。
classes-mine = 您报名的：
btn-class-sign = ✍️ 报名 { $when }
btn-class-wait = 🔔 候补 { $when }
btn-class-cancel = ✖️ 取消报名 { $when }
class-readback =
    请核对：报名 { $title }
    { $when }，{ $place }
    对吗？
btn-class-confirm = ✅ 确认报名
class-signed = ✅ 报好名了：{ $title }，{ $when }，{ $place }。开始前会提醒您。
class-full = 这场已经满了。可以排候补，有人退出会马上通知您。
class-gone = 这场已经开始或结束了。
class-cancelled = 已取消报名：{ $title }，{ $when }。
class-reminder =
    ⏰ 提醒：{ $when_label }有健康讲座
    { $title }，{ $when }，{ $place }
class-reminder-family =
    ⏰ 提醒：{ $when_label }{ $name }报名了健康讲座
    { $title }，{ $when }，{ $place }
roster-head = 🎓 签到：{ $title }，{ $when }（已报名 { $count } 人）。到场的请点名字：
btn-attended = ✅ { $name } 到场
attended-marked = ✔️ 已签到。
attended-not-yours = 这不是您主持的讲座。
waitlist-joined = 🔔 已排上候补，您是第 { $position } 位。有空位会马上通知您，为您保留 { $minutes } 分钟。
waitlist-already = 您已经在候补名单上了。
btn-waitlist-slot = 🔔 排队等这个时间
waitlist-offer-slot = 🎉 有空位了：{ $service }，{ $when }，{ $provider }。为您保留到 { $until }，要吗？
waitlist-offer-session = 🎉 有空位了：{ $title }，{ $when }，{ $place }。为您保留到 { $until }，要吗？
btn-waitlist-take = ✅ 要这个
btn-waitlist-decline = ✖️ 不要了
waitlist-taken-slot = ✅ 预约好了：{ $service }，{ $when }，{ $provider }。
waitlist-taken-session = ✅ 报好名了：{ $title }，{ $when }。
waitlist-gone = 抱歉，保留时间已过，位子让给下一位了。
waitlist-declined = 好的，已让给下一位。
