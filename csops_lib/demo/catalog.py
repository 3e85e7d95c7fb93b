"""The demo shop's fixed facts: its stores, agents, products and hours, the places and
names of its buyers, the texts of its chats, and the refund and callback vocabularies.

Plain data (tuples, dicts, numpy arrays); nothing here draws random numbers.
"""
from __future__ import annotations

import numpy as np

#: seconds in a day (the generator counts time in seconds since the period start)
DAY = 86_400

DEMO_STORES = ("星河家居旗舰店", "星河家居专营店")
STORE_P = np.array([0.65, 0.35])

PROMO_NAME = "double11"
PROMO_DISPLAY_NAME = "双11大促"

#: the agents: roster fields plus the generator's behaviour (response-time median and
#: spread in seconds, conversion skill, tenure before the period or hiring point inside it)
DEMO_AGENTS: tuple[dict, ...] = (
    {"agent": "小美", "team": "售前组", "role": "presale", "shift_start": "08:00",
     "shift_end": "16:00", "shunt_weight": 1.2, "median_response_s": 13.0,
     "response_sigma": 0.55, "skill": 0.07, "tenure_days": 640, "hired_at": None},
    {"agent": "阿杰", "team": "售前组", "role": "presale", "shift_start": "15:00",
     "shift_end": "24:00", "shunt_weight": 1.2, "median_response_s": 17.0,
     "response_sigma": 0.6, "skill": 0.05, "tenure_days": 510, "hired_at": None},
    {"agent": "小雨", "team": "售前组", "role": "presale", "shift_start": "08:00",
     "shift_end": "16:00", "shunt_weight": 1.0, "median_response_s": 33.0,
     "response_sigma": 0.8, "skill": 0.0, "tenure_days": 380, "hired_at": None},
    {"agent": "婷婷", "team": "售前组", "role": "presale", "shift_start": "15:00",
     "shift_end": "24:00", "shunt_weight": 1.0, "median_response_s": 28.0,
     "response_sigma": 0.8, "skill": 0.02, "tenure_days": 300, "hired_at": None},
    {"agent": "大伟", "team": "售前组", "role": "presale", "shift_start": "15:00",
     "shift_end": "24:00", "shunt_weight": 0.8, "median_response_s": 95.0,
     "response_sigma": 1.15, "skill": -0.08, "tenure_days": 450, "hired_at": None},
    {"agent": "小林", "team": "售前组", "role": "presale", "shift_start": "08:00",
     "shift_end": "16:00", "shunt_weight": 0.6, "median_response_s": 75.0,
     "response_sigma": 1.1, "skill": -0.06, "tenure_days": None, "hired_at": 0.2},
    {"agent": "晓晓", "team": "售前组", "role": "presale", "shift_start": "15:00",
     "shift_end": "24:00", "shunt_weight": 0.6, "median_response_s": 42.0,
     "response_sigma": 0.85, "skill": -0.03, "tenure_days": None, "hired_at": 0.45},
    {"agent": "阿芳", "team": "售后组", "role": "after_sales", "shift_start": "08:00",
     "shift_end": "16:00", "shunt_weight": 1.0, "median_response_s": 35.0,
     "response_sigma": 0.8, "skill": 0.0, "tenure_days": 720, "hired_at": None},
    {"agent": "小周", "team": "售后组", "role": "after_sales", "shift_start": "15:00",
     "shift_end": "24:00", "shunt_weight": 1.0, "median_response_s": 120.0,
     "response_sigma": 1.1, "skill": 0.0, "tenure_days": 260, "hired_at": None},
    {"agent": "老陈", "team": "售后组", "role": "both", "shift_start": "08:00",
     "shift_end": "16:00", "shunt_weight": 0.8, "median_response_s": 15.0,
     "response_sigma": 0.6, "skill": 0.05, "tenure_days": 1100, "hired_at": None},
)

#: products: title, unit price (yuan), share of orders
DEMO_PRODUCTS: tuple[tuple[str, float, float], ...] = (
    ("日式简约陶瓷马克杯 2只装", 39.9, 0.24),
    ("硅藻泥吸水速干浴室地垫", 45.9, 0.18),
    ("北欧风棉麻收纳筐三件套", 69.0, 0.15),
    ("加厚法兰绒毛毯 150x200cm", 89.0, 0.14),
    ("记忆棉慢回弹护颈枕", 119.0, 0.12),
    ("全棉磨毛四件套 1.5m床", 169.0, 0.08),
    ("北欧ins风落地灯", 229.0, 0.035),
    ("懒人沙发豆袋 单人", 299.0, 0.02),
)

#: payment hour shares 0h..23h of the real Tmall month in shared/samples/README.md
PAY_HOUR_SHARES = np.array([
    .036, .018, .012, .007, .005, .004, .009, .020, .030, .046, .061, .059,
    .050, .048, .053, .063, .054, .044, .045, .055, .070, .077, .075, .058])
PAY_HOUR_SHARES = PAY_HOUR_SHARES / PAY_HOUR_SHARES.sum()
CHAT_HOURS = PAY_HOUR_SHARES * np.where(np.arange(24) < 8, 0.35, 1.0)
CHAT_HOURS = CHAT_HOURS / CHAT_HOURS.sum()
SERVICE_HOURS = PAY_HOUR_SHARES * np.where(np.arange(24) < 9, 0.15, 1.0)
SERVICE_HOURS = SERVICE_HOURS / SERVICE_HOURS.sum()

# --- places ------------------------------------------------------------------------------
# province (normalised), its token in an address, share, {city: districts}
PROVINCES: tuple[tuple[str, str, float, dict[str, tuple[str, ...]]], ...] = (
    ("上海市", "上海", .120, {"上海市": ("浦东新区", "闵行区", "徐汇区", "宝山区", "松江区", "杨浦区")}),
    ("广东省", "广东省", .088, {"广州市": ("天河区", "海珠区", "白云区"), "深圳市": ("南山区", "福田区", "龙岗区"),
                            "东莞市": ("南城街道", "长安镇")}),
    ("江苏省", "江苏省", .076, {"南京市": ("鼓楼区", "江宁区"), "苏州市": ("工业园区", "吴中区"), "无锡市": ("梁溪区", "滨湖区")}),
    ("浙江省", "浙江省", .074, {"杭州市": ("西湖区", "余杭区", "滨江区"), "宁波市": ("鄞州区", "海曙区"), "温州市": ("鹿城区",)}),
    ("北京市", "北京", .073, {"北京市": ("朝阳区", "海淀区", "丰台区", "昌平区", "通州区")}),
    ("四川省", "四川省", .072, {"成都市": ("武侯区", "锦江区", "高新区", "双流区"), "绵阳市": ("涪城区",)}),
    ("山东省", "山东省", .064, {"济南市": ("历下区", "市中区"), "青岛市": ("市南区", "黄岛区"), "烟台市": ("芝罘区",)}),
    ("辽宁省", "辽宁省", .042, {"沈阳市": ("和平区", "浑南区"), "大连市": ("中山区", "甘井子区")}),
    ("河南省", "河南省", .035, {"郑州市": ("金水区", "二七区"), "洛阳市": ("西工区",)}),
    ("湖北省", "湖北省", .034, {"武汉市": ("洪山区", "江汉区", "武昌区"), "宜昌市": ("西陵区",)}),
    ("福建省", "福建省", .030, {"福州市": ("鼓楼区", "仓山区"), "厦门市": ("思明区", "湖里区")}),
    ("湖南省", "湖南省", .028, {"长沙市": ("岳麓区", "雨花区", "开福区")}),
    ("河北省", "河北省", .027, {"石家庄市": ("长安区", "裕华区"), "保定市": ("竞秀区",)}),
    ("安徽省", "安徽省", .025, {"合肥市": ("蜀山区", "包河区"), "芜湖市": ("镜湖区",)}),
    ("天津市", "天津", .022, {"天津市": ("南开区", "河西区", "滨海新区")}),
    ("重庆市", "重庆", .022, {"重庆市": ("渝北区", "江北区", "沙坪坝区")}),
    ("陕西省", "陕西省", .020, {"西安市": ("雁塔区", "未央区", "长安区")}),
    ("江西省", "江西省", .017, {"南昌市": ("红谷滩区", "东湖区")}),
    ("广西壮族自治区", "广西壮族自治区", .016, {"南宁市": ("青秀区", "西乡塘区"), "桂林市": ("七星区",)}),
    ("云南省", "云南省", .015, {"昆明市": ("五华区", "盘龙区")}),
    ("黑龙江省", "黑龙江省", .014, {"哈尔滨市": ("南岗区", "道里区")}),
    ("吉林省", "吉林省", .012, {"长春市": ("朝阳区", "南关区")}),
    ("山西省", "山西省", .012, {"太原市": ("小店区", "迎泽区")}),
    ("贵州省", "贵州省", .010, {"贵阳市": ("观山湖区", "南明区")}),
    ("内蒙古自治区", "内蒙古自治区", .009, {"呼和浩特市": ("赛罕区", "新城区")}),
    ("新疆维吾尔自治区", "新疆维吾尔自治区", .007, {"乌鲁木齐市": ("天山区", "沙依巴克区")}),
    ("甘肃省", "甘肃省", .006, {"兰州市": ("城关区", "七里河区")}),
    ("海南省", "海南省", .006, {"海口市": ("美兰区", "龙华区"), "三亚市": ("吉阳区",)}),
    ("宁夏回族自治区", "宁夏回族自治区", .003, {"银川市": ("兴庆区", "金凤区")}),
    ("青海省", "青海省", .002, {"西宁市": ("城西区", "城中区")}),
    ("西藏自治区", "西藏自治区", .001, {"拉萨市": ("城关区",)}),
)
PROV_NAMES = np.array([p[0] for p in PROVINCES], dtype=object)
PROV_P = np.array([p[2] for p in PROVINCES])
PROV_P = PROV_P / PROV_P.sum()
# flat (province index, address prefix "省 市 区", city) rows, for vectorised choice
PLACES = [(i, f"{tok} {city} {dist}", city)
           for i, (_, tok, _, cities) in enumerate(PROVINCES)
           for city, dists in cities.items() for dist in dists]
PLACE_PROV = np.array([p[0] for p in PLACES])
PLACE_PREFIX = np.array([p[1] for p in PLACES], dtype=object)
PLACE_CITY = np.array([p[2] for p in PLACES], dtype=object)
STREETS = np.array(["人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路", "长江路",
                     "幸福路", "东风路", "科技园路", "学府路", "滨江大道", "青年路", "光明街",
                     "朝阳路", "金桥路", "花园路"], dtype=object)
ESTATES = np.array(["阳光花园", "翠苑小区", "锦绣华庭", "万科城", "绿地公馆", "金色家园", "碧桂园",
                     "世纪新城", "银河湾", "东方名苑"], dtype=object)
SURNAMES = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"),
                     dtype=object)
GIVEN = np.array(["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟",
                   "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "婷", "雪", "晨", "欣", "宇",
                   "浩", "佳怡", "梓涵", "子轩", "雨桐", "思远", "一鸣", "嘉欣", "海燕"], dtype=object)
PHONE_PREFIX = np.array(["130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
                          "150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
                          "173", "176", "177", "180", "181", "183", "185", "186", "187", "188",
                          "189", "198", "199"], dtype=object)

# --- chat texts ----------------------------------------------------------------------------
PRESALE, AFTER_SALES, AD, SILENT_CHECK, FOLLOWUP, OTHER = range(6)
CATEGORIES = ("presale", "after_sales", "ad", "silent_check", "followup", "other")
SENDERS = ("customer", "agent", "auto")

_QA = {
    PRESALE: [
        ("发什么快递？", "亲，默认发中通快递哦，江浙沪一般次日达~"),
        ("什么时候发货？", "亲，今天下单明天发货哦，下午4点前付款当天就发~"),
        ("有优惠券吗？", "亲，店铺首页可以领满199减20的券哦，下单前记得先领~"),
        ("尺寸怎么选？", "亲，1.5米的床建议选200x230的哦，详情页有尺码表可以参考~"),
        ("能便宜点吗？", "亲，已经是活动价了哦，现在下单还送收纳袋一个~"),
        ("退货运费谁出？", "亲，我们送运费险的，七天无理由退换不用您出运费哦~"),
        ("质量怎么样？", "亲，我们是源头工厂直供，有质检报告，放心购买哦~"),
        ("有现货吗？", "亲，现在拍下都是现货哦，48小时内发出~"),
        ("包邮吗？", "亲，全国包邮哦（新疆西藏除外）~"),
        ("可以开发票吗？", "可以的亲，下单后提供抬头和税号就可以开电子发票~"),
        ("这个颜色还有吗？", "亲，灰色和米白都还有货哦~"),
        ("会掉毛吗？", "亲，我们做了防掉毛处理，第一次洗有少量浮毛属于正常哦~"),
        ("能送到乡镇吗？", "亲，中通基本都能送到乡镇的，您发下地址我帮您查一下~"),
        ("双11有活动吗？", "亲，双11当天满300减50，还可以叠加店铺券哦~"),
        ("买两件有优惠吗？", "亲，第二件半价哦，直接拍两件系统自动减~"),
        ("这个枕头适合侧睡吗？", "亲，这款是波浪型设计，侧睡仰睡都合适的~"),
    ],
    AFTER_SALES: [
        ("我的快递到哪了？", "亲，帮您查了一下，快递已经到您所在城市了，预计明天送达哦~"),
        ("怎么还没发货？", "亲，大促订单量比较大，我们会在72小时内为您发出，请耐心等待哦~"),
        ("收到的东西有破损", "非常抱歉亲，麻烦拍一下破损的照片发给我，马上为您处理~"),
        ("我要退货", "好的亲，您在订单页面申请退货退款就可以，我们会尽快审核~"),
        ("退货运费谁出？", "亲，您的订单有运费险，退货运费会自动理赔到您的账户哦~"),
        ("退款什么时候到账？", "亲，我们收到退货后24小时内处理，原路退回哦~"),
        ("少发了一个", "非常抱歉亲，我们核实一下，确认少发马上给您补发~"),
        ("颜色和图片不一样", "亲，可能是拍摄光线的原因，如果您不满意可以申请退换哦~"),
        ("可以换个尺寸吗？", "可以的亲，您申请换货，寄回后我们给您发新的尺寸~"),
        ("有味道怎么办？", "亲，新品会有轻微气味，放在通风处两三天就会散去哦~"),
        ("能改地址吗？", "亲，还没发货的话可以帮您改，麻烦发一下新地址~"),
    ],
    AD: [
        ("你好，我们是做直通车代运营的，了解一下吗？", "不需要，谢谢"),
        ("老板，有兴趣做直播带货吗？", "亲，合作请发邮件到商务邮箱哦"),
        ("您好，我们是做包装盒的厂家，可以看看样品", "暂时不需要哦"),
    ],
    SILENT_CHECK: [
        ("对的", "好的亲，尽快为您发出~"),
        ("没问题", "好的亲，发货后会同步物流信息哦~"),
        ("地址改一下，改成公司地址", "好的亲，已经帮您备注修改了~"),
    ],
    FOLLOWUP: [
        ("再考虑一下", "好的亲，有需要随时找我哦~"),
        ("有点贵", "亲，今天下单可以帮您申请一个小礼品哦~"),
        ("好的，我这就拍", "好的亲，拍下后尽快为您安排发货~"),
        ("还能再便宜点吗", "亲，已经是最低价了，送您一张5元无门槛券~"),
    ],
    OTHER: [
        ("老板，按上次说的拍吗？", "对的，拍完发截图"),
        ("这单还是老规矩？", "是的"),
    ],
}
_AGREED = ("好的，那我现在拍了", "好的亲，拍下后今天就为您安排发货，有问题随时找我哦~")
_CLOSING = ("好的谢谢", "嗯嗯", "知道了", "我再看看")
_CUST_FILLER = ("在吗", "在吗？", "？", "亲", "有人吗", "人呢", "麻烦快点", "我着急用", "[图片]")
_AGENT_FILLER = ("还有其他可以帮您的吗？", "亲，有任何问题随时联系我哦~", "感谢您的支持，祝您生活愉快~",
                 "[商品链接]")
_AUTO_FIRST = ("您好，欢迎光临星河家居，客服马上为您服务~", "亲，在的哦，请问有什么可以帮您？",
               "欢迎光临！本店满199减20，有问题请留言哦~")
_AUTO_LATER = ("亲，客服正在忙，请稍等片刻哦~",)
_LEAD = {
    SILENT_CHECK: ("亲，看到您拍下了宝贝，请核对一下收货地址和电话哦~",
                   "亲，您的订单已收到，地址确认无误的话回复一下哦~"),
    FOLLOWUP: ("亲，前两天咨询的宝贝还需要吗？今天下单还送收纳袋哦~",
               "亲，您看中的宝贝库存不多了，需要帮您预留吗？"),
}
_REMINDER_TEXT = "亲，您拍下的宝贝还没有付款哦，库存紧张，付款后尽快为您发货~"


def _text_table():
    texts: list[str] = []

    def add(items) -> np.ndarray:
        start = len(texts)
        texts.extend(items)
        return np.arange(start, len(texts))

    q_idx, a_idx = {}, {}
    for cat, pairs in _QA.items():
        q_idx[cat] = add(p[0] for p in pairs)
        a_idx[cat] = add(p[1] for p in pairs)
    agreed = add(_AGREED)
    tables = {
        "q": q_idx, "a": a_idx, "agreed_q": agreed[0], "agreed_a": agreed[1],
        "closing": add(_CLOSING), "cust_filler": add(_CUST_FILLER),
        "agent_filler": add(_AGENT_FILLER), "auto_first": add(_AUTO_FIRST),
        "auto_later": add(_AUTO_LATER),
        "lead": {cat: add(v) for cat, v in _LEAD.items()}, "reminder": add([_REMINDER_TEXT])[0],
    }
    return np.array(texts, dtype=object), tables


TEXTS, TX = _text_table()

# --- refunds and callbacks -----------------------------------------------------------------
REFUND_REASONS = np.array(["不想要了", "尺寸/规格不合适", "商品质量问题", "与商品描述不符", "少件/漏发",
                            "快递破损", "七天无理由退换货", "拍错/多拍"], dtype=object)
REASON_P = np.array([.2, .15, .14, .1, .06, .07, .18, .1])
REASON_PARTY = np.array(["买家", "买家", "卖家", "卖家", "卖家", "物流", "买家", "买家"], dtype=object)
CALLBACK_RESULTS = np.array(["已接通-满意", "已接通-有问题", "未接通", "拒接"], dtype=object)
CALLBACK_NOTES = {
    "已接通-满意": ("客户很满意，表示会回购", "客户说质量不错，已推荐朋友", "满意，提醒了收藏店铺"),
    "已接通-有问题": ("反馈有轻微异味，已告知通风处理", "反馈颜色偏深，已登记", "物流慢，已致歉"),
    "未接通": ("", "无人接听，明天再打"),
    "拒接": ("",),
}

