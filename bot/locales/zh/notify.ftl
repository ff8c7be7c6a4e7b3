summary-new = 🆕 新预约 #{ $id }
summary-cancelled = ❌ 预约已取消 #{ $id }
summary-rescheduled = 🔄 预约改了时间 #{ $id }（原来 { $old_when }）
summary-by-family = 👪 由家属 { $member } 代为操作（亲情账户）
summary-body =
    居民：{ $name }{ $age }
    重点人群：{ $groups }
    服务：{ $service }
    时间：{ $when }
    方式：{ $modality }
summary-age = ，{ $age }岁
summary-address = 地址：{ $address }
summary-phone = 电话：{ $phone }
summary-request = 居民原话：“{ $text }”
summary-urgent = ⚠️ 加急：请今天处理，或30分钟内回电。
summary-none = 无
alert-emergency-head = 🚨 急症提醒（{ $category }）
alert-emergency-who = 居民：{ $name }{ $age }，电话：{ $phone }
alert-emergency-address = 地址：{ $address }
alert-emergency-unknown = 未注册的用户：{ $reporter }
alert-emergency-affected = 情况涉及：{ $who }
alert-emergency-words = 原话：“{ $text }”
alert-emergency-told = 已提示拨打 120。请马上联系。
alert-emergency-contact = 🚨 { $name } 刚刚在家医报告了急症迹象（{ $category }），已提示拨打 120。请马上联系 TA。电话：{ $phone }，地址：{ $address }
alert-callback =
    ☎️ 回电请求（{ $reason }）：{ $name }{ $age }
    电话：{ $phone }
    重点人群：{ $groups }
alert-callback-voice = 🎙 居民的语音留言：
callback-reason-urgent = 加急，30分钟内
callback-reason-voice = 语音没听懂
callback-reason-help = 需要帮助
callback-reason-contact = 想联系医生
callback-reason-other = 其他
category-chest_pain = 胸痛
category-stroke = 中风迹象
category-collapse = 昏倒
category-not_breathing = 呼吸停止
category-breathing = 呼吸困难
category-anaphylaxis = 严重过敏
category-infant = 婴幼儿危急
category-other = 急症
category-detector = 急症
category-unknown = 急症
category-bleeding = 大出血
category-seizure = 抽搐
category-poisoning = 中毒或过量服药
category-suicide = 自杀念头
category-model = 急症
category-unspecified = 急症
category-abdominal_pain = 突发剧烈腹痛
category-fall_injury = 摔伤
category-high_bp = 血压很高
category-high_fever = 高烧
category-infant_fever = 婴幼儿发烧
category-pregnancy = 孕期胎动异常
category-vomiting = 持续呕吐或腹泻
category-wound = 伤口或导管问题
reminder =
    ⏰ 提醒：{ $when_label }您有预约
    { $service }，{ $when }，{ $provider }，{ $modality }
    准备：{ $preparation }
reminder-24 = 明天
reminder-2 = 两小时后
reminder-other = { $hours }小时后
btn-attend = ✅ 我会去
btn-accept = ✅ 接受
btn-propose = 🕑 换个时间
btn-provider-decline = ✖️ 无法接诊
btn-done = ✔️ 已完成
btn-no-show = 🚫 未到
btn-callback-done = ✔️ 已回电
beneficiary-self = 本人
beneficiary-parent = 父母
beneficiary-spouse = 配偶
beneficiary-child = 孩子
beneficiary-other = 其他人
summary-cancelled-deleted = ❌ 预约已取消 #{ $id }：{ $service }，{ $when }。居民删除了自己的资料。
alert-callback-for = （原本找 { $doctor }，TA 的账号没有绑定）
alert-emergency-undelivered =
    🚨 值班请注意：一条急症提醒 { $minutes } 分钟还没送到{ $who }，请马上处理：
    { $text }
recipient-provider = 医生
recipient-contact = 紧急联系人
recipient-family = 家属
recipient-resident = 居民
recipient-staff = 工作人员
delivery-failed-staff = ⚠️ 一条消息没能送达（#{ $id }，{ $kind }：{ $error }）。居民：{ $name }，电话 { $phone }。请联系对方。
digest-head = 📋 您有 { $count } 条新通知，紧急的在前：
digest-item = ── 第 { $n }/{ $total } 条 ──
digest-foot = 多条通知合并发送，不带按钮。如需接受、婉拒或标记完成：发送 /agenda，或发送 /web 打开工作台。
