app-name = 家医
menu-book = 📅 预约服务
menu-bookings = 📋 我的预约
menu-doctor = 👨‍⚕️ 我的家庭医生
menu-callback = ☎️ 请医生给我回电
menu-settings = ⚙️ 设置
menu-help = ❓ 帮助
main-menu = 您想做什么？点下面的大按钮，或者直接说/打字告诉我。
help =
    家医可以帮您：
    • 预约服务：量血压、测血糖、看病、上门护理、体检、打疫苗等
    • 查看、取消、改约
    • 联系您的家庭医生，或请医生给您回电
    可以点按钮，也可以直接打字或发语音，比如“明天上午量血压”。
    /cancel 随时停下当前操作；/language 换语言；/mydata 导出我的资料；/deletedata 删除我的资料。
    遇到急症请马上拨打 120。社区中心电话：{ $phone }
help-resume = 刚才的操作还在，接着回答就好；不想继续请点 /cancel。
cancelled = 好的，已经停下。
nothing-to-cancel = 现在没有进行中的操作。
btn-yes = ✅ 是的
btn-no = ❌ 不是
btn-back = ↩️ 返回
btn-cancel = ✖️ 取消
btn-skip = ⏭ 跳过
bad-input-media = 这个我看不懂。请用文字、语音或点按钮告诉我。
bad-input-empty = 消息是空的。请再说一遍好吗？
bad-input-too-long = 消息太长了，请简短说说您需要什么（几句话就好）。
stale-button = 这个按钮已经过期了，请看最新的消息。
not-yours = 这个预约不属于您，无法操作。
error-generic = 抱歉，出了点问题，您的信息没有丢失。请再试一次，或点“请医生给我回电”。
need-start = 请先点 /start 开始。
not-understood = 抱歉，我没太明白。您可以点下面的按钮，或者换个说法。
thanks-reply = 不客气，祝您健康！
greet-reply = 您好！我是家医。
goodbye-reply = 再见，祝您健康！
language-choose = 请选择语言 / Please choose a language
language-set = 好的，以后用中文和您交流。
lang-zh = 中文
lang-en = English
weekday-0 = 周一
weekday-1 = 周二
weekday-2 = 周三
weekday-3 = 周四
weekday-4 = 周五
weekday-5 = 周六
weekday-6 = 周日
datetime-format = { $month }月{ $day }日 { $weekday } { $time }
date-format = { $month }月{ $day }日 { $weekday }
modality-clinic = 到社区医院
modality-home_visit = 医生上门
modality-online = 电话或视频
too-fast = 您发得太快了，请歇一分钟再试。
