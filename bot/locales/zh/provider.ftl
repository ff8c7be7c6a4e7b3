provider-linked = ✅ 已绑定：{ $name }。以后每个预约和取消都会发给您。发 /agenda 查看日程。
provider-invite-bad = 邀请码无效或已过期，请向中心管理员要一个新的。
provider-hello = { $name }，您好。发 /agenda 查看日程。预约、取消和回电请求会自动发给您。
provider-invite-how = 请把邀请码一起发来，例如：/provider JY-ABCD-1234（邀请码向中心管理员要）。
