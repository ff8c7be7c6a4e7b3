welcome = 您好！我是家医，社区卫生服务中心的预约小助手。
privacy-notice =
    📄 隐私说明
    为了给您预约和提醒，我们会保存：姓名、电话、出生年份、地址（上门服务用）、重点人群类别、紧急联系人，以及您的预约和评价。
    这些信息只给您的家庭医生团队和为您服务的医生看，不会给别人。
    您随时可以发 /mydata 导出，或发 /deletedata 全部删除。
    同意吗？
btn-consent = ✅ 同意
btn-decline = ❌ 不同意
consent-declined = 没关系。不同意的话我们不会保存您的信息，也无法为您预约。需要时请拨打社区中心电话：{ $phone }。想好了随时点 /start。
ask-name = 请问您怎么称呼？（比如：张阿姨、李建国）
bad-name = 名字请用 1 到 30 个字。请再说一遍。
ask-phone = 请点下面的按钮，把手机号发给我（医生有事会打这个电话）。
btn-share-phone = 📱 发送我的手机号
bad-phone = 这个号码好像不对。请点按钮发送，或者输入11位手机号。
bad-phone-area-code = 座机号码前面请加上区号，比如 010-6422 1234。也可以点按钮发送手机号。
ask-birth-year = 请问您是哪一年出生的？（比如 1950）
bad-birth-year = 没看懂出生年份，请输入4位数字，比如 1950。
ask-address = 请告诉我您的住址（小区、楼号、门牌），医生上门时用。不需要上门可以点“跳过”。
bad-address = 地址太长或太短了，请再说一遍。
ask-groups = 下面哪些情况适合您？可以选几个，选好点“好了”。
group-elderly_65 = 65岁以上
group-hypertension = 高血压
group-diabetes = 糖尿病
group-pregnancy = 怀孕或产后
group-child = 家里有小孩
group-disability = 残疾
btn-groups-done = 👍 好了
ask-emergency-contact = 有紧急联系人吗？请发：姓名 和 电话，比如“王小明 13800138000”。没有可以点“跳过”。
bad-emergency-contact = 请发“姓名 电话”，比如“王小明 13800138000”，或点“跳过”。
profile-done = 好的，{ $name }，资料填好了！
