"""Word lists and shares the fictitious city is drawn from: names, brands, trades, the
functional zones and federations, platforms, regions of origin, mobile prefixes, membership
states."""

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷"
)
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 华 辉 鹏 飞 波 红 玲 琴 斌 林"
    " 秀英 秀兰 桂英 建国 建华 志强 海燕 红梅 小红 丹丹 雪梅 晓东 俊杰 浩然 子涵 欣怡 宇航"
    " 梓萱 一鸣 思远 佳怡 文博 嘉怡 鑫磊 雨桐 婷婷 建军 国强 志明 春梅 晓燕 丽娟 文静 海涛"
    " 永刚 德华 玉兰 桂兰 凤英 光明 小龙 大勇 家豪 俊豪 子轩 浩宇 雨欣 诗涵 梦琪 欣然 思琪"
    " 晨曦 宇轩 天宇 博文 明轩 佳琪 晓丽 晓梅 金凤 玉梅 素芬 德明 永红 建平 建伟 志华 志勇"
).split()
ETHNICITIES = ("汉族",) * 90 + ("土家族",) * 6 + ("苗族",) * 3 + ("回族",)
BRANDS = (
    "长江 嘉陵 山城 渝新 巴渝 两江 朝天 解放 鹅岭 南山 缙云 金佛 仙女 龙门 天府 巴蜀 渝州 锦华"
    " 恒通 鑫源 宏达 华信 瑞丰 永安 兴业 同创 博远 众诚 盛世 金桥 银河 星辰 云帆 海纳 汇通 联创"
    " 德润 泰和 万象 凯达 安泰 康宁 明德 启航 腾飞 卓越 精工 智造 数联 远航 顺达 佳禾 美家 福源"
).split()
TRADES = {
    "C": ("机械制造", "汽车零部件", "电子科技", "精密仪器", "摩托车配件", "新材料", "食品加工"),
    "D": ("电力", "燃气", "能源"),
    "E": ("建筑工程", "建设", "市政工程", "装饰工程"),
    "F": ("商贸", "超市", "百货", "医药连锁"),
    "G": ("物流", "运输", "快递", "供应链", "公交"),
    "H": ("餐饮管理", "酒店", "火锅"),
    "I": ("信息技术", "软件", "数据服务", "网络科技"),
    "J": ("小额贷款", "融资担保"),
    "K": ("物业服务", "房地产开发"),
    "L": ("人力资源", "商务服务", "企业管理"),
    "M": ("检测技术", "工程设计"),
    "N": ("环境卫生", "园林绿化"),
    "O": ("家政服务", "汽车维修"),
    "P": ("培训学校", "幼儿园"),
    "Q": ("医院", "社区卫生服务中心", "诊所"),
    "R": ("文化传媒", "体育发展"),
    "S": ("社会工作服务中心",),
}
SECTION_WEIGHTS = {
    "C": 26,
    "E": 12,
    "F": 14,
    "G": 8,
    "H": 8,
    "I": 6,
    "K": 5,
    "L": 6,
    "M": 3,
    "N": 2,
    "O": 4,
    "P": 2,
    "Q": 2,
    "R": 1,
    "D": 1,
}
INDUSTRY_SECTIONS = {
    "machinery": "C",
    "energy": "D",
    "agriculture": "A",
    "defense-post": "I",
    "commerce": "F",
    "education": "P",
    "health": "Q",
    "finance": "J",
    "transport": "G",
    "construction": "E",
    "organs": "S",
    "courier-fed": "G",
    "food-delivery-fed": "H",
    "ride-hailing-fed": "G",
    "truck-driver-fed": "G",
}
FUNCTIONAL_ZONES = (
    ("两江新区总工会", "两江新区", "500112"),
    ("重庆高新区总工会", "高新区", "500106"),
    ("万盛经开区总工会", "万盛经开区", "500110"),
)
# Per-district federations of new-employment-form workers: (suffix, employment forms).
DISTRICT_FEDERATIONS = (
    ("快递物流行业工会联合会", ("courier", "truck_driver")),
    ("外卖配送行业工会联合会", ("food_delivery",)),
    ("网约车行业工会联合会", ("ride_hailing",)),
    ("家政服务业工会联合会", ("domestic", "platform_other")),
)
CITY_FEDERATION_FORMS = {
    "courier-fed": ("courier",),
    "food-delivery-fed": ("food_delivery",),
    "ride-hailing-fed": ("ride_hailing",),
    "truck-driver-fed": ("truck_driver",),
}
PLATFORMS = {
    "food_delivery": ("美团", "饿了么"),
    "courier": ("顺丰速运", "京东物流", "中通快递", "圆通速递", "韵达快递", "极兔速递"),
    "ride_hailing": ("滴滴出行", "曹操出行", "T3出行", "花小猪"),
    "truck_driver": ("货拉拉", "满帮", "快狗打车"),
    "domestic": ("58到家", "天鹅到家", "管家帮"),
    "platform_other": ("美团优选", "抖音", "闪送"),
    "flexible": ("个体经营", "灵活就业"),
    "other": ("其他",),
}
NEW_FORMS = (
    "food_delivery",
    "courier",
    "ride_hailing",
    "truck_driver",
    "domestic",
    "platform_other",
)
MIGRANT_REGIONS = (
    "510107",
    "510722",
    "511602",
    "511621",
    "513701",
    "522101",
    "522401",
    "430102",
    "431202",
    "420106",
    "421181",
    "533001",
    "530102",
    "610102",
    "410102",
    "360102",
    "450102",
)
MOBILE_PREFIXES = (
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "178",
    "182",
    "183",
    "187",
    "188",
    "130",
    "131",
    "132",
    "155",
    "156",
    "166",
    "175",
    "176",
    "185",
    "186",
    "133",
    "153",
    "173",
    "177",
    "180",
    "181",
    "189",
    "191",
    "199",
)
# Membership states: (state, share). "transferred" people also hold a newer active membership.
STATE_SHARES = (
    ("active", 0.8575),
    ("retained", 0.04),
    ("transferring", 0.005),
    ("transferred", 0.025),
    ("withdrawn", 0.035),
    ("lapsed", 0.037),
    ("expelled", 0.0005),
)
END_REASONS = {
    "withdrawn": ("本人申请退会", "离职", "离开本市"),
    "lapsed": ("连续六个月未缴纳会费且未参加组织生活",),
    "expelled": ("严重违法违纪",),
}
