# The web ends: management dashboard and provider workbench.
web-brand = 家医 · 社区卫生服务中心
web-nav-dashboard = 管理看板
web-nav-workbench = 我的工作台
web-logout = 退出
web-footer = 有问题请打中心电话 { $phone }。急救请打 120。

web-login-title = 请先登录
web-login-how = 这里不用密码。请用一次性登录链接打开：
web-login-step-bot = 在家医机器人里发送 /web（中心工作人员和已绑定的医护人员可以用）。
web-login-step-cli = 或请管理员运行 jiayi web link --staff（或 --provider 医护代码）。
web-login-once = 链接10分钟内有效，只能用一次。
web-login-confirm-title = 登录家医
web-login-confirm-text = 您将以{ $role }身份登录。
web-login-button = 登录
web-role-staff = 中心工作人员
web-role-provider = 医护人员

web-refused-title = 不能打开
web-back-home = 回到首页
web-refused-form = 这个表单已过期，请回到页面再试一次。
web-refused-staff-only = 这一页只给中心工作人员看。
web-refused-provider-only = 这一页只给医护人员用。
web-refused-not-found = 没有找到。
web-refused-not-yours = 这不是您的预约或居民，不能查看或操作。
web-login-unknown = 这个登录链接无效。请在机器人里发送 /web 获取新链接。
web-login-used = 这个登录链接已经用过了。请在机器人里发送 /web 获取新链接。
web-login-expired = 这个登录链接已过期（10分钟内有效）。请在机器人里发送 /web 获取新链接。
web-login-revoked = 这个账号已停用，不能登录。

web-status-open = 待处理
web-status-closed = 已处理
web-status-confirmed = 待接单
web-status-accepted = 已接单
web-status-done = 已完成
web-status-no-show = 未到
web-status-declined = 已拒绝
web-status-cancelled = 已取消

web-dashboard-title = 服务质量看板
web-filter-period = 时间段
web-period-days = 近{ $days }天
web-filter-service = 服务
web-filter-provider = 医护人员
web-filter-team = 团队
web-filter-all = 全部
web-filter-apply = 查看
web-export-csv = 导出 CSV

web-targets-title = 目标完成情况
web-ind-identification = 需求识别率
web-ind-matching = 匹配成功率
web-ind-response = 平均响应时间
web-ind-satisfaction = 满意度
web-ind-identification-how = 文字和语音请求中，从话里直接听懂了要什么服务的比例
web-ind-matching-how = 请求中，找到合适时间并给出选择的比例
web-ind-response-how = 从预约到医护人员接单、改时间或拒绝的平均时间
web-ind-satisfaction-how = 评分中4星和5星的比例
web-target = 目标 { $target }
web-no-data = 暂无数据
web-no-basis = 按医护人员筛选时不适用
web-met = 达标
web-missed = 未达标

web-count-requests = 服务请求
web-count-bookings = 预约
web-count-done = 已完成
web-count-no-shows = 未到
web-count-ratings = 评分
web-count-mean-rating = 平均分
web-count-low-ratings = 低分（1-2星）
web-count-unanswered = 超过24小时未接单
web-count-emergencies = 急症
web-count-open-follow-ups = 待回访
web-count-open-callbacks = 待回电

web-trends-title = 变化趋势
web-per-day = 按天
web-per-week = 按周
web-chart-rates = 识别、匹配和满意度（%）
web-chart-volume = 预约、未到和低分
web-chart-response = 平均响应时间（小时）
web-chart-by-provider = 各医护人员满意度（括号内为评分数）
web-chart-target = { $name }目标 { $value }
web-hours = 小时

web-by-provider = 按医护人员
web-by-service = 按服务
web-nothing = 暂无

web-follow-ups-title = 低分回访
web-col-state = 状态
web-col-score = 评分
web-col-visit = 服务
web-col-comment = 居民意见
web-col-since = 时间
web-col-resident = 居民
web-col-reason = 原因
web-col-routed = 交给
web-col-provider = 医护人员
web-follow-up-close = 已回访
web-callbacks-title = 回电请求
web-routed-doctor = 家庭医生
web-routed-team = 医生团队
web-routed-duty = 值班电话
web-routed-nobody = 还没有人接

web-workbench-title = 工作台
web-age = { $age }岁
web-address = 地址：{ $address }
web-phone = 电话：{ $phone }
web-groups = 重点人群
web-pending-title = 待接单（{ $count }）
web-pending-none = 现在没有待接单的预约。
web-urgent = 加急
web-their-words = 居民原话：{ $words }
web-accept = 接单
web-propose = 换个时间
web-decline = 无法接诊
web-today-title = 今天 { $date }
web-day-empty = 今天没有预约。
web-done = 已完成
web-noshow = 未到
web-week-title = 未来一周
web-week-empty = 未来一周没有预约。
web-callbacks-open-title = 待回电（{ $count }）
web-callback-done = 已回电
web-my-follow-ups = 我的低分回访

web-booking-title = 预约 #{ $id }
web-confirm-title = 请确认
web-confirm-decline = 您确定无法接诊预约 #{ $id } 吗？{ $when }，{ $service }，{ $name }。居民会收到通知，可以重新预约。
web-confirm-done = 把预约 #{ $id } 标记为已完成？{ $when }，{ $service }，{ $name }。居民会收到评分邀请。
web-confirm-noshow = 把预约 #{ $id } 标记为未到？{ $when }，{ $service }，{ $name }。
web-decline-reason = 原因
web-confirm-button-decline = 确定无法接诊
web-confirm-button-done = 确定已完成
web-confirm-button-noshow = 确定未到
web-back = 返回

web-propose-title = 换个时间
web-propose-for = 预约 #{ $id }：{ $when }，{ $service }，{ $name }。请选一个新时间发给居民：
web-propose-none = 近期没有合适的空闲时间。
web-propose-how = 居民确认后预约才会改到新时间。

web-history-title = 预约记录

web-notice-accepted = 已接单，居民会收到通知。
web-notice-declined = 已拒绝，居民会收到通知。
web-notice-done = 已标记为完成。
web-notice-noshow = 已标记为未到。
web-notice-proposed = 新时间已发给居民，等待确认。
web-notice-closed = 这个预约已经取消或处理过了。
web-notice-not-started = 服务开始后才能标记完成或未到。
web-notice-callback-done = 已标记为已回电。
web-notice-already-done = 已经处理过了。
web-notice-follow-up-closed = 回访已记录。

# /web in the bot
web-link-staff = 管理看板的登录链接（10分钟内有效，只能用一次）：
    { $url }
web-link-provider = 您的工作台登录链接（10分钟内有效，只能用一次）：
    { $url }
web-link-not-allowed = 网页端只给中心工作人员和医护人员使用。
web-link-off = 网页端没有开启。

# /stats in the bot
stats-title = 📊 服务质量（近{ $days }天）
stats-indicator = { $icon } { $name }：{ $value }（目标 { $target }）
stats-counts = 请求 { $requests } · 预约 { $bookings } · 完成 { $done } · 未到 { $noshows }
stats-ratings = 评分 { $ratings } · 平均 { $mean } · 低分 { $low }
stats-open = 待回访 { $followups } · 待回电 { $callbacks } · 超过24小时未接单 { $unanswered }
stats-provider-line = · { $name }：预约 { $bookings }，评分 { $ratings }，平均 { $mean }
stats-by-provider = 按医护人员：
