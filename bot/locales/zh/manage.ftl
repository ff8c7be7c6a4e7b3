bookings-none = 您现在没有预约。
bookings-header = 您的预约：
booking-line = { $when } · { $service } · { $provider } · { $modality }
btn-cancel-booking = ✖️ 取消这个
btn-resched-booking = 🔄 改时间
cancel-readback = 要取消这个预约吗？
    { $service }，{ $when }，{ $provider }
btn-confirm-cancel = ✅ 确认取消
btn-keep = ↩️ 不取消
booking-cancelled = 已取消：{ $service }，{ $when }。
booking-kept = 好的，预约保留。
booking-not-changeable = 这个预约已经不能修改了。
resched-intro = 改时间：{ $service }（原来是 { $when }）。请选新的时间：
rescheduled = ✅ 改好了！新的时间：{ $service }，{ $when }，{ $provider }。
