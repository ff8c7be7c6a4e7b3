ask-service = 您想预约什么服务？
btn-more-services = ➕ 更多服务
btn-fewer-services = ↩️ 常用服务
ask-day = { $service }：想哪天？
day-today = 今天
day-tomorrow = 明天
day-this-week = 这周都行
day-pick = 📆 选日期
ask-date = 请选一天：
ask-part-of-day = 上午还是下午？
pod-morning = 🌅 上午
pod-afternoon = 🌇 下午
pod-any = 都可以
ask-modality = 您想怎么看？
ask-home-address = 上门服务需要地址。请告诉我您的住址（小区、楼号、门牌）。
offers-exact = 这些时间可以，点一个：
offers-alternative = 没有完全合适的时间（{ $why }），给您找了最近的：
reason-window_full = 您想要的时间已经约满了
reason-window_no_sessions = 您想要的时间没有安排这项服务
reason-window_not_open = 那天还没开放预约
reason-modality_unavailable = 这种方式最近没有空
reason-gender_unavailable = 您想要的医生性别最近没有空
reason-family_doctor_unavailable = 您的家庭医生最近没有空
reason-other = 其他时间更近
offer-line = { $when } · { $provider } · { $modality }
offer-seats = （还剩 { $seats } 个名额）
btn-other-times = 🔎 其他时间
btn-call-me = ☎️ 请医生给我回电
no-offers = 抱歉，两周内都没有可约的时间。可以请家庭医生给您回电，或拨打社区中心电话：{ $phone }。
when-understood = 我理解的时间是：{ $when }。
readback =
    请核对：
    服务：{ $service }
    时间：{ $when }
    医生：{ $provider }
    方式：{ $modality }
readback-address = 地址：{ $address }
readback-question = 对吗？
btn-confirm-booking = ✅ 确认预约
btn-change = ✏️ 重新选
slot-taken = 这个时间刚被别人约走了，请换一个：
booked =
    ✅ 预约好了！
    { $service }，{ $when }，{ $provider }，{ $modality }。
    准备：{ $preparation }
    我们会提前提醒您。
booking-failed = 这个时间约不上了，请换一个时间。
urgent-notice = ⚠️ 您说的情况比较急。我们优先给您安排今天的时间，也可以请医生30分钟内给您回电。
service-unknown = 请点一下您要的服务：
booking-too-many = 您已经有 { $count } 个还没到的预约了，最多同时保留 { $max } 个。请先取消一个不需要的（点“我的预约”），再预约新的。
booking-duplicate-day = ⚠️ 您同一天已经约了{ $service }（{ $when }）。还要再约一次吗？
booking-duplicate-week = ⚠️ 您这一周已经约了{ $service }（{ $when }）。还要再约一次吗？
btn-book-anyway = ✅ 还要再约
btn-keep-existing = ↩️ 不约了，保留原来的
booking-duplicate-kept = 好的，保留原来的预约，没有新约。
