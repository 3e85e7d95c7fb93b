"""A seeded demo shop: canonical tables of a realistic Taobao/Tmall home-goods shop, and the
messy raw exports (Chinese headers, banner rows, totals rows …) that such a shop would have.

``generate(weeks, seed, end)`` builds the canonical DataFrames (``docs/CONVENTIONS.md``
dtypes) of every table of ``shared/DATA.md``; ``write_exports(tables, out_dir)`` writes them
the way the platform and the supervisor export them; ``build_demo`` does both.

The shop: two stores, ten agents in a pre-sale and an after-sales team working a morning
(08:00-16:00) and an evening shift (15:00-24:00) that overlap, so customers are handed over
between shifts. Two agents are hired during the period; a few answer slowly, a few fast.
One big promo (``double11``, 双11大促) has 5-8x the usual sessions and orders, and is
followed by three days of after-sales wave (pre-sale : after-sales about 3 : 7).

Everything is vectorised numpy/pandas (loops only over days or batches), deterministic for
a given ``seed`` and ``end``.
"""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DEMO_STORES", "DEMO_AGENTS", "DEMO_PRODUCTS", "PROMO_NAME", "PROMO_DISPLAY_NAME",
    "PAY_HOUR_SHARES", "generate", "write_exports", "build_demo", "supervisor_scores",
    "write_supervisor_scores", "SUPERVISOR_SCORES_FILE",
]

DAY = 86_400

DEMO_STORES = ("星河家居旗舰店", "星河家居专营店")
_STORE_P = np.array([0.65, 0.35])

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
_CHAT_HOURS = PAY_HOUR_SHARES * np.where(np.arange(24) < 8, 0.35, 1.0)
_CHAT_HOURS = _CHAT_HOURS / _CHAT_HOURS.sum()
_SERVICE_HOURS = PAY_HOUR_SHARES * np.where(np.arange(24) < 9, 0.15, 1.0)
_SERVICE_HOURS = _SERVICE_HOURS / _SERVICE_HOURS.sum()

# --- places ------------------------------------------------------------------------------
# province (normalised), its token in an address, share, {city: districts}
_PROVINCES: tuple[tuple[str, str, float, dict[str, tuple[str, ...]]], ...] = (
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
_PROV_NAMES = np.array([p[0] for p in _PROVINCES], dtype=object)
_PROV_P = np.array([p[2] for p in _PROVINCES])
_PROV_P = _PROV_P / _PROV_P.sum()
# flat (province index, address prefix "省 市 区", city) rows, for vectorised choice
_PLACES = [(i, f"{tok} {city} {dist}", city)
           for i, (_, tok, _, cities) in enumerate(_PROVINCES)
           for city, dists in cities.items() for dist in dists]
_PLACE_PROV = np.array([p[0] for p in _PLACES])
_PLACE_PREFIX = np.array([p[1] for p in _PLACES], dtype=object)
_PLACE_CITY = np.array([p[2] for p in _PLACES], dtype=object)
_STREETS = np.array(["人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路", "长江路",
                     "幸福路", "东风路", "科技园路", "学府路", "滨江大道", "青年路", "光明街",
                     "朝阳路", "金桥路", "花园路"], dtype=object)
_ESTATES = np.array(["阳光花园", "翠苑小区", "锦绣华庭", "万科城", "绿地公馆", "金色家园", "碧桂园",
                     "世纪新城", "银河湾", "东方名苑"], dtype=object)
_SURNAMES = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"),
                     dtype=object)
_GIVEN = np.array(["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟",
                   "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "婷", "雪", "晨", "欣", "宇",
                   "浩", "佳怡", "梓涵", "子轩", "雨桐", "思远", "一鸣", "嘉欣", "海燕"], dtype=object)
_PHONE_PREFIX = np.array(["130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
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


_TEXTS, _TX = _text_table()

# --- Chinese export vocabularies ----------------------------------------------------------
_STATUS_ZH = {"paid": "交易成功", "unpaid": "等待买家付款", "closed": "交易关闭", "refunded": "已退款"}
_SENDER_ZH = {"customer": "买家", "agent": "客服", "auto": "自动回复"}
_CATEGORY_ZH = {"presale": "售前", "after_sales": "售后", "ad": "广告", "silent_check": "静默下单",
                "followup": "追单", "other": "其他"}
_REFUND_REASONS = np.array(["不想要了", "尺寸/规格不合适", "商品质量问题", "与商品描述不符", "少件/漏发",
                            "快递破损", "七天无理由退换货", "拍错/多拍"], dtype=object)
_REASON_P = np.array([.2, .15, .14, .1, .06, .07, .18, .1])
_REASON_PARTY = np.array(["买家", "买家", "卖家", "卖家", "卖家", "物流", "买家", "买家"], dtype=object)
_CALLBACK_RESULTS = np.array(["已接通-满意", "已接通-有问题", "未接通", "拒接"], dtype=object)
_CALLBACK_NOTES = {
    "已接通-满意": ("客户很满意，表示会回购", "客户说质量不错，已推荐朋友", "满意，提醒了收藏店铺"),
    "已接通-有问题": ("反馈有轻微异味，已告知通风处理", "反馈颜色偏深，已登记", "物流慢，已致歉"),
    "未接通": ("", "无人接听，明天再打"),
    "拒接": ("",),
}


# =========================================================================================
class _Gen:
    """The generator's state; `run()` returns the canonical tables."""

    BASE_PRESALE = 232  # primary pre-sale sessions on an ordinary weekday

    def __init__(self, rng: np.random.Generator, start: pd.Timestamp, n_days: int):
        self.rng = rng
        self.t0 = start
        self.nd = n_days
        self.days = pd.date_range(start, periods=n_days, freq="D")
        ag = pd.DataFrame(list(DEMO_AGENTS))
        self.ag = ag
        self.na = len(ag)
        self.a_names = ag["agent"].to_numpy(dtype=object)
        self.a_med = ag["median_response_s"].to_numpy(float)
        self.a_sig = ag["response_sigma"].to_numpy(float)
        self.a_skill = ag["skill"].to_numpy(float)
        self.a_morning = (ag["shift_start"] == "08:00").to_numpy()
        role = ag["role"].to_numpy(dtype=object)
        self.a_pre = np.isin(role, ["presale", "both"])
        self.a_as = np.isin(role, ["after_sales", "both"])
        hired_day = np.zeros(self.na, dtype=int)
        hired_on = []
        for i, a in enumerate(DEMO_AGENTS):
            if a["hired_at"] is not None:
                hired_day[i] = max(1, int(round(a["hired_at"] * n_days)))
                hired_on.append(start + pd.Timedelta(days=int(hired_day[i])))
            else:
                hired_day[i] = -1
                hired_on.append(start - pd.Timedelta(days=int(a["tenure_days"])))
        self.hired_day = hired_day
        self.hired_on = pd.DatetimeIndex(hired_on)
        self.cust_next = 0
        self.sid_next = 0
        self.sessions: list[pd.DataFrame] = []
        self.msg_parts: list[tuple[np.ndarray, ...]] = []
        self.used_keys = np.zeros(0, dtype=np.int64)

    # --- calendar --------------------------------------------------------------------------
    def calendar(self):
        rng, nd, days = self.rng, self.nd, self.days
        is1111 = np.flatnonzero((days.month == 11) & (days.day == 11))
        if len(is1111):
            P = int(is1111[0])
        elif nd >= 28:
            P = nd - 22
        else:
            P = max(0, min(nd - 5, nd // 2))
        self.P = P
        d = np.arange(nd)
        rel = d - P
        wk = np.array([1.0, .97, .98, 1.0, 1.03, 1.1, 1.12])[days.day_of_week]
        f = wk * (1 + 0.002 * d) * np.exp(rng.normal(0, 0.05, nd))
        pre_boost = {-3: 1.25, -2: 1.35, -1: 1.5, 0: 6.5}
        as_ratio = np.full(nd, 0.43)
        as_map = {0: 0.12, 1: 2.45, 2: 2.6, 3: 2.3, 4: 0.9, 5: 0.75, 6: 0.6, 7: 0.5}
        load = np.ones(nd)
        load_map = {-1: 1.15, 0: 1.9, 1: 1.35, 2: 1.35, 3: 1.3}
        conv = np.full(nd, 0.42)
        for k, v in pre_boost.items():
            f[rel == k] *= v
        for k, v in as_map.items():
            as_ratio[rel == k] = v
        for k, v in load_map.items():
            load[rel == k] = v
        conv[(rel >= -3) & (rel < 0)] = 0.3
        conv[rel == 0] = 0.58
        self.f_pre, self.as_ratio, self.load, self.conv_p = f, as_ratio, load, conv
        self.rel = rel
        self.busy = (rel >= 0) & (rel <= 3)
        # availability [day, hour, agent]: hired and on shift (nights go to the morning shift)
        h = np.arange(24)[:, None]
        morning = self.a_morning[None, :]
        onshift = np.where(morning, h < 16, h >= 15)
        hired = d[:, None] >= self.hired_day[None, :]
        self.avail = hired[:, None, :] & onshift[None, :, :]
        self.hired_mask = hired

    # --- helpers -----------------------------------------------------------------------------
    def new_customers(self, n: int) -> np.ndarray:
        out = np.arange(self.cust_next, self.cust_next + n, dtype=np.int64)
        self.cust_next += n
        return out

    def pick(self, day, hour, kind: str, exclude=None) -> np.ndarray:
        """An agent per (day, hour): on shift, hired, weighted by role and shunt weight."""
        day = np.asarray(day, dtype=int)
        hour = np.clip(np.asarray(hour, dtype=int), 0, 23)
        n = len(day)
        if n == 0:
            return np.zeros(0, dtype=int)
        shunt = self.ag["shunt_weight"].to_numpy(float)
        if kind == "pre":
            kw = shunt * np.where(self.a_pre, np.where(self.a_as, 0.5, 1.0), 0.0)
        elif kind == "as":
            kw = shunt * np.where(self.a_as, 3.0, 0.12)
        else:
            kw = np.ones(self.na)
        W = self.avail[day, hour].astype(float) * kw[None, :]
        if kind == "as":
            W[:, ~self.a_as] *= np.where(self.busy[day], 7.0, 1.0)[:, None]
        if exclude is not None:
            W[np.arange(n), np.asarray(exclude, dtype=int)] = 0.0
        empty = W.sum(1) <= 0
        if empty.any():
            W[empty] = self.hired_mask[day[empty]].astype(float)
        cw = np.cumsum(W, axis=1)
        u = self.rng.random(n) * cw[:, -1]
        return np.minimum((cw <= u[:, None]).sum(1), self.na - 1)

    def keys(self, agent, cust, day) -> np.ndarray:
        return (np.asarray(cust, np.int64) * self.nd + np.asarray(day, np.int64)) * self.na + \
            np.asarray(agent, np.int64)

    def free(self, S: pd.DataFrame) -> pd.DataFrame:
        """Drop sessions whose (agent, customer, day) already has a session (or repeats)."""
        if S.empty:
            return S
        k = self.keys(S["agent"], S["cust"], S["day"])
        ok = ~np.isin(k, self.used_keys) & ~pd.Series(k).duplicated().to_numpy()
        return S[ok].reset_index(drop=True)

    # --- sessions and messages ---------------------------------------------------------------
    def session_frame(self, cust, day, start, agent, cat, store, n_turns, *, agreed=None,
                      lead=None, mode=None, thread=None, switch=None) -> pd.DataFrame:
        n = len(cust)

        def arr(v, default, dtype):
            return np.full(n, default, dtype=dtype) if v is None else np.asarray(v, dtype=dtype)

        return pd.DataFrame({
            "cust": np.asarray(cust, np.int64), "day": np.asarray(day, int),
            "start": np.asarray(start, np.int64), "agent": np.asarray(agent, int),
            "cat": np.broadcast_to(np.asarray(cat, int), (n,)).copy(),
            "store": np.asarray(store, int), "n_turns": np.asarray(n_turns, int),
            "agreed": arr(agreed, False, bool), "lead": arr(lead, False, bool),
            "mode": arr(mode, 0, int), "thread": arr(thread, -1, np.int64),
            "switch": arr(switch, False, bool),
        })

    def build(self, S: pd.DataFrame) -> pd.DataFrame:
        """Messages of sessions `S` (vectorised); returns S with timing and turn statistics."""
        S = self.free(S)
        n = len(S)
        if n == 0:
            return S
        rng = self.rng
        S = S.copy()
        S["sid"] = np.arange(self.sid_next, self.sid_next + n)
        self.sid_next += n
        self.used_keys = np.concatenate([self.used_keys, self.keys(S["agent"], S["cust"], S["day"])])
        cat = S["cat"].to_numpy()
        mode = S["mode"].to_numpy()
        agent = S["agent"].to_numpy()
        day = S["day"].to_numpy()
        start = S["start"].to_numpy().copy()
        assert ((start >= day * DAY) & (start < (day + 1) * DAY)).all()
        lead = S["lead"].to_numpy()
        agreed = S["agreed"].to_numpy()
        # nobody works before 08:00: most night customers only get the auto reply
        night_s = (start - day * DAY < 8 * 3600) & ~lead & ~agreed & (rng.random(n) < 0.96)
        mode = np.where(night_s, 2, mode)
        S["mode"] = mode
        nt = np.where(mode == 2, 1, S["n_turns"].to_numpy())
        busy = self.busy[day]
        # turns
        ts = np.repeat(np.arange(n), nt)
        first = np.concatenate([[0], np.cumsum(nt)[:-1]])
        NT = len(ts)
        tn = np.arange(NT) - first[ts]
        last = tn == nt[ts] - 1
        ncust = (1 + (rng.random(NT) < np.where(tn == 0, 0.38, 0.2))
                 + (rng.random(NT) < np.where(tn == 0, 0.15, 0.04)))
        m = mode[ts]
        answered = ~((m == 2) | ((m == 1) & last))
        nag = np.where(answered, 1 + (rng.random(NT) < 0.3), 0)
        # customer messages inside each turn (a burst)
        cturn = np.repeat(np.arange(NT), ncust)
        cfirst = np.concatenate([[0], np.cumsum(ncust)[:-1]])
        ck = np.arange(len(cturn)) - cfirst[cturn]
        cg = np.where(ck == 0, 0, rng.integers(3, 26, len(cturn)))
        ccs = np.cumsum(cg)
        c_in = ccs - ccs[cfirst[cturn]]
        burst = np.bincount(cturn, weights=cg, minlength=NT).astype(np.int64)
        # response times: log-normal per agent, slower on busy days; nights wait for 08:00
        med = self.a_med[agent][ts] * self.load[day][ts]
        sig = self.a_sig[agent][ts]
        rt = np.maximum(np.rint(med * np.exp(sig * rng.standard_normal(NT))), 2).astype(np.int64)
        rt = np.maximum(rt, burst + 2)
        sod = (start - day * DAY)[ts]
        night = (tn == 0) & (sod < 8 * 3600)
        rt = np.where(night, 8 * 3600 - sod + rng.integers(60, 2400, NT) + rt, rt)
        # agent messages of each turn
        aturn = np.repeat(np.arange(NT), nag)
        afirst = np.concatenate([[0], np.cumsum(nag)[:-1]])
        ak = np.arange(len(aturn)) - afirst[aturn]
        agp = np.where(ak == 0, 0, rng.integers(4, 31, len(aturn)))
        acs = np.cumsum(agp)
        a_in = acs - acs[afirst[aturn]] if len(aturn) else acs
        aspan = np.bincount(aturn, weights=agp, minlength=NT).astype(np.int64)
        tlen = np.where(answered, rt + aspan, burst)
        think = np.rint(3 + 40 * np.exp(0.9 * rng.standard_normal(NT))).astype(np.int64)
        inc = np.where(tn == 0, 0, think + np.roll(tlen, 1))
        cs = np.cumsum(inc)
        toff = cs - cs[first[ts]]
        # auto replies: usually greet the first message; more often on busy days
        p_auto = np.where(tn == 0, np.where(busy[ts], 0.9, 0.72), np.where(busy[ts], 0.2, 0.04))
        p_auto = np.where(lead[ts] & (tn == 0), 0.0, p_auto)
        has_auto = rng.random(NT) < p_auto
        # session end and shift back the sessions that would run past midnight
        end_off = toff[last] + np.maximum(tlen[last], has_auto[last].astype(np.int64))
        day_end = (day + 1) * DAY - 1
        over = start + end_off - day_end
        start = np.where(over > 0, np.maximum(start - over, day * DAY), start)
        end_off = np.minimum(end_off, day_end - start)
        # texts per turn
        qlen = {c: len(v) for c, v in _TX["q"].items()}
        qpos = np.floor(rng.random(NT) * np.array([qlen[c] for c in range(6)])[cat[ts]]).astype(int)
        q_text = np.zeros(NT, dtype=np.int64)
        a_text = np.zeros(NT, dtype=np.int64)
        for c in range(6):
            sel = cat[ts] == c
            q_text[sel] = _TX["q"][c][qpos[sel]]
            a_text[sel] = _TX["a"][c][qpos[sel]]
        ag_last = agreed[ts] & last & answered
        q_text[ag_last] = _TX["agreed_q"]
        a_text[ag_last] = _TX["agreed_a"]
        closing = (m == 1) & last & (tn > 0)
        q_text[closing] = rng.choice(_TX["closing"], closing.sum())
        # messages
        c_sid = ts[cturn]
        c_t = start[c_sid] + toff[cturn] + c_in
        c_txt = np.where(ck == 0, q_text[cturn], rng.choice(_TX["cust_filler"], len(cturn)))
        a_sid = ts[aturn]
        a_t = start[a_sid] + toff[aturn] + rt[aturn] + a_in
        a_txt = np.where(ak == 0, a_text[aturn], rng.choice(_TX["agent_filler"], len(aturn)))
        u_turn = np.flatnonzero(has_auto)
        u_sid = ts[u_turn]
        u_t = start[u_sid] + toff[u_turn] + 1
        u_txt = np.where(tn[u_turn] == 0, rng.choice(_TX["auto_first"], len(u_turn)),
                         _TX["auto_later"][0])
        l_sid = np.flatnonzero(lead)
        l_t = np.maximum(start[l_sid] - 60 - np.rint(300 * np.exp(rng.standard_normal(len(l_sid)))),
                         day[l_sid] * DAY).astype(np.int64)
        l_txt = np.zeros(len(l_sid), dtype=np.int64)
        for c, arr_ in _TX["lead"].items():
            sel = cat[l_sid] == c
            l_txt[sel] = rng.choice(arr_, sel.sum())
        sid = S["sid"].to_numpy()
        self.msg_parts.append((
            sid[np.concatenate([l_sid, c_sid, u_sid, a_sid])],
            np.concatenate([l_t, c_t, u_t, a_t]).astype(np.int64),
            np.concatenate([np.full(len(l_sid), 1), np.zeros(len(c_sid)), np.full(len(u_sid), 2),
                            np.ones(len(a_sid))]).astype(np.int8),
            np.concatenate([np.zeros(len(l_sid)), np.ones(len(c_sid)), np.full(len(u_sid), 2),
                            np.full(len(a_sid), 3)]).astype(np.int8),
            np.concatenate([l_txt, c_txt, u_txt, a_txt]).astype(np.int64),
        ))
        # per-session statistics of the generated turns
        ans = answered.astype(float)
        n_ans = np.bincount(ts, weights=ans, minlength=n)
        S["start"] = start
        S["first_t"] = np.where(lead, 0, start)
        S.loc[lead, "first_t"] = l_t
        S["end"] = start + end_off
        S["replied"] = n_ans > 0
        S["first_rt"] = np.where(answered[first], rt[first], np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            S["mean_rt"] = np.bincount(ts, weights=rt * ans, minlength=n) / n_ans
        S["n_slow"] = np.bincount(ts, weights=ans * (rt > 120), minlength=n).astype(int)
        S["max_rt"] = np.maximum.reduceat(np.where(answered, rt, 0), first)
        S["n_cust_msgs"] = np.bincount(ts, weights=ncust, minlength=n).astype(int)
        S["n_agent_msgs"] = (np.bincount(ts, weights=nag, minlength=n) + lead).astype(int)
        S["last_answered"] = answered[np.flatnonzero(last)]
        self.sessions.append(S)
        return S

    def n_turns(self, n, p=0.33, cap=10) -> np.ndarray:
        return np.minimum(self.rng.geometric(p, n), cap)

    # --- 1. pre-sale sessions: threads of a customer's inquiry -------------------------------
    def presale(self):
        rng, nd = self.rng, self.nd
        n_day = rng.poisson(self.BASE_PRESALE * self.f_pre)
        day = np.repeat(np.arange(nd), n_day)
        N = len(day)
        hour = rng.choice(24, N, p=_CHAT_HOURS)
        start = day * DAY + hour * 3600 + rng.integers(0, 3600, N)
        agent = self.pick(day, hour, "pre")
        store = rng.choice(2, N, p=_STORE_P)
        cust = self.new_customers(N)
        conv = rng.random(N) < np.clip(self.conv_p[day] + self.a_skill[agent], 0.05, 0.9)
        night = hour < 8
        agreed = np.where(conv, rng.random(N) < 0.45, rng.random(N) < 0.06) & ~night
        nt = np.where(night, 1 + (rng.random(N) < 0.3), self.n_turns(N))
        u = rng.random(N)
        mode = np.where(u < 0.025, 2, np.where(u > 0.92, 1, 0))
        mode = np.where(agreed, 0, mode)
        switch = conv & (rng.random(N) < 0.05)
        S = self.session_frame(cust, day, start, agent, PRESALE, store, nt, agreed=agreed,
                               mode=mode, switch=switch)
        S["thread"] = np.arange(N)
        S["conv"] = conv
        prim = self.build(S)
        # handovers: morning sessions late in the shift continue with the evening shift
        p = prim
        sod_end = p["end"] - p["day"] * DAY
        hov = (self.a_morning[p["agent"]] & (p["start"] - p["day"] * DAY >= 13 * 3600)
               & (sod_end < 20 * 3600) & (rng.random(len(p)) < 0.3)).to_numpy()
        h = p[hov]
        h_start = np.maximum(h["end"].to_numpy() + rng.integers(300, 3600, len(h)),
                             h["day"].to_numpy() * DAY + 16 * 3600 + rng.integers(0, 1800, len(h)))
        h_day = h["day"].to_numpy()
        h_agent = self.pick(h_day, (h_start - h_day * DAY) // 3600, "pre",
                            exclude=h["agent"].to_numpy())
        h_agreed = (h["conv"] & ~h["agreed"]).to_numpy() & (rng.random(len(h)) < 0.4)
        H = self.session_frame(h["cust"], h_day, h_start, h_agent, PRESALE, h["store"],
                               self.n_turns(len(h), 0.4), agreed=h_agreed,
                               thread=h["thread"], switch=h["switch"])
        # returns: the customer comes back the next day with more questions
        ret = ((rng.random(len(p)) < 0.07) & (p["day"] < nd - 1)).to_numpy()
        r = p[ret]
        r_day = r["day"].to_numpy() + 1
        r_hour = rng.choice(24, len(r), p=_SERVICE_HOURS)
        r_start = r_day * DAY + r_hour * 3600 + rng.integers(0, 3600, len(r))
        r_agent = self.pick(r_day, r_hour, "pre")
        R = self.session_frame(r["cust"], r_day, r_start, r_agent, PRESALE, r["store"],
                               self.n_turns(len(r), 0.45), thread=r["thread"], switch=r["switch"])
        sec = self.build(pd.concat([H, R], ignore_index=True))
        self.prim = prim
        self.pre_sessions = pd.concat([prim, sec], ignore_index=True)

    # --- 2. conversion, follow-ups and orders --------------------------------------------------
    def orders_from_threads(self):
        rng, nd = self.rng, self.nd
        pre = self.pre_sessions.sort_values(["thread", "end"])
        g = pre.groupby("thread", sort=True)
        th = pd.DataFrame({
            "end": g["end"].max(), "last_agent": g["agent"].last(), "last_day": g["day"].last(),
        })
        agreed_s = pre[pre["agreed"]].groupby("thread")["agent"].last()
        th["agreed_agent"] = agreed_s.reindex(th.index).fillna(-1).astype(int)
        prim = self.prim.set_index("thread")
        for c in ("cust", "day", "agent", "store", "conv", "agreed", "switch"):
            th[c] = prim[c].reindex(th.index)
        th["credit"] = np.where(th["agreed_agent"] >= 0, th["agreed_agent"], th["last_agent"])
        T = len(th)
        conv = th["conv"].to_numpy()
        d_last = th["last_day"].to_numpy()
        end = th["end"].to_numpy()
        rel = self.rel[th["day"].to_numpy()]
        cls = np.where(rel == 0, rng.choice(3, T, p=[.88, .1, .02]), rng.choice(3, T, p=[.62, .3, .08]))
        k = np.where(cls == 1, rng.choice([1, 2, 3], T, p=[.55, .3, .15]), rng.integers(4, 11, T))
        pay_day = np.where(cls == 0, d_last, d_last + k)
        waiting = (rel >= -3) & (rel < 0) & (rng.random(T) < 0.65)
        pay_day = np.where(waiting, self.P, pay_day)
        same_t = end + np.rint(60 + 600 * np.exp(1.2 * rng.standard_normal(T))).astype(np.int64)
        later_t = pay_day * DAY + rng.choice(24, T, p=PAY_HOUR_SHARES) * 3600 + rng.integers(0, 3600, T)
        created = np.where(pay_day == d_last, same_t, later_t)
        spill = (pay_day == d_last) & (created >= (d_last + 1) * DAY)
        created = np.where(spill, (d_last + 1) * DAY + rng.choice(24, T, p=PAY_HOUR_SHARES) * 3600
                           + rng.integers(0, 3600, T), created)
        pay_day = created // DAY
        # follow-ups: converting customers chased on their paying day; others chased once
        agent0 = th["agent"].to_numpy()
        chase_hour = np.where(self.a_morning[agent0], rng.integers(9, 15, T), rng.integers(16, 22, T))
        fu_conv = conv & (pay_day > d_last) & (pay_day < nd) & (rng.random(T) < 0.5)
        agreed_unpaid = ~conv & th["agreed"].to_numpy()
        chase_day = d_last + rng.integers(1, 3, T)
        chased = ~conv & ~agreed_unpaid & (rng.random(T) < 0.28) & (chase_day < nd)
        replied = chased & (rng.random(T) < 0.45)
        fu_day = np.where(fu_conv, pay_day, chase_day)
        fu = fu_conv | replied
        idx = np.flatnonzero(fu)
        fu_start = fu_day[idx] * DAY + chase_hour[idx] * 3600 + rng.integers(0, 3600, len(idx))
        F = self.session_frame(th["cust"].to_numpy()[idx], fu_day[idx], fu_start, agent0[idx],
                               FOLLOWUP, th["store"].to_numpy()[idx],
                               1 + (rng.random(len(idx)) < 0.4), lead=np.ones(len(idx), bool),
                               thread=th.index.to_numpy()[idx],
                               switch=th["switch"].to_numpy()[idx])
        F = self.build(F)
        fu_end = pd.Series(F["end"].to_numpy(), index=F["thread"].to_numpy())
        got_fu = th.index.isin(fu_end.index)
        fu_end = fu_end.reindex(th.index).to_numpy()
        lag = np.rint(60 + 420 * np.exp(rng.standard_normal(T))).astype(np.int64)
        created = np.where(fu_conv & got_fu,
                           np.minimum(np.nan_to_num(fu_end, nan=0).astype(np.int64) + lag,
                                      (pay_day + 1) * DAY - 30), created)
        fu_win = replied & got_fu & (rng.random(T) < 0.25)
        created = np.where(fu_win, np.minimum(np.nan_to_num(fu_end, nan=0).astype(np.int64) + lag,
                                              (chase_day + 1) * DAY - 30), created)
        created = np.where(agreed_unpaid, end + rng.integers(120, 1800, T), created)
        # outreach: chased customers who did not reply
        out_idx = np.flatnonzero(chased & ~replied)
        out_t = chase_day[out_idx] * DAY + chase_hour[out_idx] * 3600 + rng.integers(0, 3600, len(out_idx))
        self.outreach = [pd.DataFrame({"agent": agent0[out_idx], "cust": th["cust"].to_numpy()[out_idx],
                                       "t": out_t, "kind": 0,
                                       "store": th["store"].to_numpy()[out_idx]})]
        has_order = conv | fu_win | agreed_unpaid
        o = pd.DataFrame({
            "cust": th["cust"].to_numpy(), "store": th["store"].to_numpy(), "created": created,
            "credit": np.where(fu_win, agent0, th["credit"].to_numpy()),
            "switch": th["switch"].to_numpy(), "force_unpaid": agreed_unpaid,
            "thread": th.index.to_numpy(),
        })[has_order]
        o = o[o["created"] < nd * DAY].reset_index(drop=True)
        sw = o["switch"].to_numpy()
        o.loc[sw, "cust"] = self.new_customers(int(sw.sum()))
        o["silent"] = False
        o["unpaid"] = o["force_unpaid"].to_numpy() | (rng.random(len(o)) < 0.09)
        self.thread_orders = o

    def silent_orders(self):
        rng, nd = self.rng, self.nd
        o = self.thread_orders
        c = np.bincount(o["created"].to_numpy() // DAY, minlength=nd)[:nd].astype(float)
        smooth = pd.Series(c).rolling(7, center=True, min_periods=1).median().to_numpy()
        base = np.where(self.rel == 0, c, np.maximum(c, 0.9 * smooth))
        n = rng.poisson(base * np.where(self.rel == 0, 0.55, 0.42))
        day = np.repeat(np.arange(nd), n)
        N = len(day)
        promo_h = np.where(np.arange(24) == 0, 0.2, 0.0) + np.where(np.arange(24) == 1, 0.05, 0)
        promo_h = promo_h + 0.75 * PAY_HOUR_SHARES
        hour = np.where(self.rel[day] == 0, rng.choice(24, N, p=promo_h / promo_h.sum()),
                        rng.choice(24, N, p=PAY_HOUR_SHARES))
        created = day * DAY + hour * 3600 + rng.integers(0, 3600, N)
        cust = self.new_customers(N)
        # some repeat buyers
        prev_c = o["cust"].to_numpy()
        prev_d = o["created"].to_numpy() // DAY
        rep = np.flatnonzero(rng.random(N) < 0.1)
        for d in np.unique(day[rep]):
            sel = rep[day[rep] == d]
            pool = prev_c[prev_d < d]
            if len(pool):
                cust[sel] = rng.choice(pool, len(sel))
        S = pd.DataFrame({"cust": cust, "store": rng.choice(2, N, p=_STORE_P), "created": created,
                          "credit": -1, "switch": False, "force_unpaid": False, "thread": -1,
                          "silent": True, "unpaid": rng.random(N) < 0.15})
        self.raw_orders = pd.concat([o, S], ignore_index=True)

    def finish_orders(self):
        rng, nd = self.rng, self.nd
        o = self.raw_orders.sort_values("created", kind="stable").reset_index(drop=True)
        N = len(o)
        created = o["created"].to_numpy()
        lag = np.where(rng.random(N) < 0.98, np.rint(8 * np.exp(1.3 * rng.standard_normal(N))),
                       rng.integers(600, 5 * 3600, N)).astype(np.int64)
        paid = created + np.maximum(lag, 1)
        unpaid = o["unpaid"].to_numpy() | (paid >= nd * DAY)
        prod_p = np.array([p[2] for p in DEMO_PRODUCTS])
        prod = rng.choice(len(DEMO_PRODUCTS), N, p=prod_p / prod_p.sum())
        qty = rng.choice([1, 2, 3], N, p=[.87, .11, .02])
        price = np.array([p[1] for p in DEMO_PRODUCTS])[prod]
        promo = self.rel[created // DAY] == 0
        disc = np.where(promo, 0.85, rng.choice([1.0, 1.0, 1.0, 0.95, 0.9], N))
        total = np.round(price * qty * disc, 2)
        total = np.where(qty >= 2, np.round(total - 5 * (qty - 1), 2), total)
        o["product"] = prod
        o["quantity"] = qty
        o["order_total"] = total
        o["paid"] = np.where(unpaid, -1, paid)
        # order ids: 18-19 digits
        ids = np.where(rng.random(N) < 0.85, rng.integers(10**18, 4 * 10**18, N, dtype=np.int64),
                       rng.integers(10**17, 10**18, N, dtype=np.int64))
        while len(np.unique(ids)) < N:  # practically never
            ids = rng.integers(10**18, 4 * 10**18, N, dtype=np.int64)
        o["order_id"] = ids.astype(str)
        self.o = o

    def refunds(self):
        rng, nd = self.rng, self.nd
        o = self.o
        paid = o["paid"].to_numpy()
        is_paid = paid >= 0
        pday = np.where(is_paid, paid // DAY, -1)
        promo = is_paid & (self.rel[np.clip(pday, 0, nd - 1)] == 0)
        p = np.where(promo, 0.26, 0.14)
        r = np.flatnonzero(is_paid & (rng.random(len(o)) < p))
        R = len(r)
        pr = promo[r]
        delay_days = np.where(pr, rng.choice([1, 2, 3], R, p=[.4, .35, .25]),
                              np.clip(np.rint(rng.gamma(2.0, 2.0, R)), 0, 20)).astype(np.int64)
        aday = pday[r] + delay_days
        tod = rng.choice(24, R, p=_SERVICE_HOURS) * 3600 + rng.integers(0, 3600, R)
        applied = np.maximum(aday * DAY + tod, paid[r] + 1800)
        keep = applied < nd * DAY
        r, applied, pr = r[keep], applied[keep], pr[keep]
        R = len(r)
        reason = rng.choice(len(_REFUND_REASONS), R, p=_REASON_P / _REASON_P.sum())
        total = o["order_total"].to_numpy()[r]
        full = rng.random(R) < 0.82
        amount = np.where(full, total, np.round(total * rng.uniform(0.2, 0.5, R), 2))
        st = rng.choice(3, R, p=[.84, .11, .05])
        closed = applied + np.rint(18 * 3600 * np.exp(rng.standard_normal(R))).astype(np.int64)
        open_ = closed >= nd * DAY
        status = np.where(open_, "等待卖家同意",
                          np.array(["退款成功", "退款关闭", "卖家拒绝退款"], dtype=object)[st])
        quality = np.isin(reason, [2, 3])
        intervened = rng.random(R) < np.where(quality, 0.15, 0.04)
        phase = np.where(applied - o["paid"].to_numpy()[r] < DAY, "售中", "售后")
        rtype = np.where((phase == "售中") | (reason == 7) | (rng.random(R) < 0.3), "仅退款", "退货退款")
        # an after-sales chat for most refunds, shortly before the request
        chat = rng.random(R) < 0.75
        aday = applied // DAY
        s_start = np.maximum(applied - rng.integers(300, 3600, R), aday * DAY + 8 * 3600)
        s_start = np.minimum(s_start, applied - 60)
        aday = s_start // DAY
        agent = self.pick(aday, (applied - aday * DAY) // 3600, "as")
        self.ref = pd.DataFrame({
            "row": r, "applied": applied, "closed": np.where(open_, -1, closed), "status": status,
            "amount": amount, "reason": _REFUND_REASONS[reason],
            "party": _REASON_PARTY[reason], "intervened": intervened, "phase": phase,
            "type": rtype, "agent": agent, "chat": chat, "s_start": s_start, "aday": aday,
        })
        ok = status == "退款成功"
        refund_amt = np.zeros(len(o))
        refund_amt[r[ok]] = amount[ok]
        o["refund_amount"] = refund_amt
        o["amount"] = np.where(paid >= 0, np.round(o["order_total"] - refund_amt, 2), 0.0)
        status_o = np.where(paid < 0, "unpaid", "paid").astype(object)
        fully = (refund_amt > 0) & (refund_amt >= o["order_total"].to_numpy() - 0.005)
        status_o[fully] = "refunded"
        old_unpaid = (paid < 0) & (o["created"].to_numpy() < (nd - 1) * DAY)
        status_o[old_unpaid] = "closed"
        o["status"] = status_o

    # --- 3. after-sales, ads, silent checks, brushing -----------------------------------------
    def other_sessions(self):
        rng, nd = self.rng, self.nd
        o, ref = self.o, self.ref
        parts = []
        rr = ref[ref["chat"]]
        parts.append(self.session_frame(
            o["cust"].to_numpy()[rr["row"]], rr["aday"], rr["s_start"], rr["agent"], AFTER_SALES,
            o["store"].to_numpy()[rr["row"]], self.n_turns(len(rr), 0.3)))
        pre_count = np.bincount(self.pre_sessions["day"], minlength=nd)
        target = np.rint(self.as_ratio * pre_count * np.exp(rng.normal(0, 0.05, nd))).astype(int)
        ref_count = np.bincount(rr["aday"], minlength=nd)
        paid = o["paid"].to_numpy()
        pd_day = np.where(paid >= 0, paid // DAY, -999)
        order_rows = np.argsort(pd_day, kind="stable")
        sorted_day = pd_day[order_rows]
        custs = o["cust"].to_numpy()
        stores = o["store"].to_numpy()
        promo_buyer = self.rel[np.clip(pd_day, 0, nd - 1)] == 0
        for d in range(nd):
            k = int(max(0, target[d] - ref_count[d]))
            if k == 0:
                continue
            lo, hi = np.searchsorted(sorted_day, [d - 15, d])
            pool = order_rows[lo:hi]
            n_new = int(round(k * max(0.0, 1 - len(pool) / (2.5 * k + 1))))
            w = np.where(promo_buyer[pool] & self.busy[d], 4.0, 1.0)
            pick_rows = rng.choice(pool, k - n_new, p=w / w.sum()) if len(pool) else np.zeros(0, int)
            c = np.concatenate([custs[pick_rows], self.new_customers(n_new)])
            s = np.concatenate([stores[pick_rows], rng.choice(2, n_new, p=_STORE_P)])
            hour = rng.choice(24, k, p=_SERVICE_HOURS)
            st = d * DAY + hour * 3600 + rng.integers(0, 3600, k)
            parts.append(self.session_frame(c, np.full(k, d), st, self.pick(np.full(k, d), hour, "as"),
                                            AFTER_SALES, s, self.n_turns(k, 0.3)))
        # ads and brushing contacts
        n_ad = rng.poisson(0.02 * pre_count * (1 + self.as_ratio))
        n_ot = rng.poisson(np.full(nd, 0.35))
        for cat, n, turns in ((AD, n_ad, 0.6), (OTHER, n_ot, 0.6)):
            day = np.repeat(np.arange(nd), n)
            hour = rng.choice(24, len(day), p=_SERVICE_HOURS)
            parts.append(self.session_frame(
                self.new_customers(len(day)), day, day * DAY + hour * 3600 + rng.integers(0, 3600, len(day)),
                self.pick(day, hour, "any"), cat, rng.choice(2, len(day), p=_STORE_P),
                self.n_turns(len(day), turns, 2)))
        # silent checks: the agent confirms the address of some silent orders
        sil = np.flatnonzero(o["silent"].to_numpy() & (paid >= 0) & (rng.random(len(o)) < 0.15))
        t = paid[sil] + rng.integers(600, 5400, len(sil))
        d = paid[sil] // DAY
        t = np.where(t - d * DAY < 8.5 * 3600, d * DAY + 8.5 * 3600 + rng.integers(0, 5400, len(sil)), t)
        keep = t < (d + 1) * DAY - 1800
        sil, t, d = sil[keep], t[keep].astype(np.int64), d[keep]
        parts.append(self.session_frame(custs[sil], d, t, self.pick(d, (t - d * DAY) // 3600, "pre"),
                                        SILENT_CHECK, stores[sil], np.ones(len(sil), int),
                                        lead=np.ones(len(sil), bool)))
        self.build(pd.concat(parts, ignore_index=True))

    # --- 4. outreach and reminders -------------------------------------------------------------
    def reminders_and_outreach(self):
        rng, nd = self.rng, self.nd
        o = self.o
        un = (o["paid"].to_numpy() < 0)
        thread = o["thread"].to_numpy() >= 0
        p = np.where(thread, 0.75, 0.4)
        idx = np.flatnonzero(un & (rng.random(len(o)) < p))
        sent = o["created"].to_numpy()[idx] + rng.integers(900, 3 * 3600, len(idx))
        keep = sent < nd * DAY
        idx, sent = idx[keep], sent[keep]
        d = sent // DAY
        agent = np.where(o["credit"].to_numpy()[idx] >= 0, o["credit"].to_numpy()[idx],
                         self.pick(d, (sent - d * DAY) // 3600, "pre"))
        self.rem = pd.DataFrame({"row": idx, "sent": sent, "agent": agent})
        out = pd.concat(self.outreach + [pd.DataFrame({
            "agent": agent, "cust": o["cust"].to_numpy()[idx], "t": sent, "kind": 1,
            "store": o["store"].to_numpy()[idx]})], ignore_index=True)
        out["day"] = out["t"] // DAY
        out["key"] = self.keys(out["agent"], out["cust"], out["day"])
        # a reminder inside an existing conversation of that day joins it (after its end)
        sess = pd.concat(self.sessions, ignore_index=True)
        sess["key"] = self.keys(sess["agent"], sess["cust"], sess["day"])
        j = out.merge(sess[["key", "sid", "end", "last_answered"]], on="key", how="left")
        inside = j["sid"].notna().to_numpy()
        joinable = inside & j["last_answered"].fillna(False).to_numpy().astype(bool) & \
            (j["t"].to_numpy() > j["end"].fillna(0).to_numpy())
        jj = j[joinable]
        parts = [(jj["sid"].to_numpy().astype(np.int64), jj["t"].to_numpy().astype(np.int64))]
        alone = j[~inside].drop(columns=["sid", "end", "last_answered"])
        alone = alone.sort_values("t", kind="stable").reset_index(drop=True)
        alone = alone[~alone.duplicated(["key", "t"])]
        # one outreach "session" per agent-customer-day (category follow-up, no customer message)
        first = alone.groupby("key", sort=False).agg(agent=("agent", "first"), cust=("cust", "first"),
                                                     day=("day", "first"), t=("t", "min"),
                                                     store=("store", "first")).reset_index()
        n = len(first)
        sid0 = self.sid_next
        self.sid_next += n
        first["sid"] = np.arange(sid0, sid0 + n)
        alone = alone.merge(first[["key", "sid"]], on="key")
        self.out_sessions = pd.DataFrame({
            "sid": first["sid"], "cust": first["cust"], "day": first["day"], "start": first["t"],
            "first_t": first["t"], "end": first["t"], "agent": first["agent"], "cat": FOLLOWUP,
            "store": first["store"], "agreed": False})
        txt_rem = _TX["reminder"]
        chase_txt = rng.choice(_TX["lead"][FOLLOWUP], len(alone))
        a_sid = alone["sid"].to_numpy().astype(np.int64)
        a_t = alone["t"].to_numpy().astype(np.int64)
        a_txt = np.where(alone["kind"].to_numpy() == 1, txt_rem, chase_txt)
        # a chase is sometimes two messages
        two = (alone["kind"].to_numpy() == 0) & (rng.random(len(alone)) < 0.35)
        b_sid, b_t = a_sid[two], a_t[two] + rng.integers(20, 120, two.sum())
        b_txt = rng.choice(_TX["agent_filler"][:2], two.sum())
        all_sid = np.concatenate([parts[0][0], a_sid, b_sid])
        all_t = np.concatenate([parts[0][1], a_t, b_t])
        all_txt = np.concatenate([np.full(len(parts[0][0]), txt_rem), a_txt, b_txt]).astype(np.int64)
        self.msg_parts.append((all_sid, all_t, np.ones(len(all_sid), np.int8),
                               np.full(len(all_sid), 4, np.int8), all_txt))

    # --- 5. assemble ---------------------------------------------------------------------------
    def run(self) -> dict[str, pd.DataFrame]:
        self.calendar()
        self.presale()
        self.orders_from_threads()
        self.silent_orders()
        self.finish_orders()
        self.refunds()
        self.other_sessions()
        self.reminders_and_outreach()
        self.customer_ids()
        tables: dict[str, pd.DataFrame] = {}
        tables["orders"] = self.orders_table()
        tables["chats"] = self.chats_table()
        tables["refunds"] = self.refunds_table()
        tables["reminders"] = self.reminders_table()
        ad, st = self.agent_tables()
        tables["agent_daily"] = ad
        tables["agent_stats"] = st
        tables["traffic"] = self.traffic_table()
        tables["callbacks"] = self.callbacks_table()
        tables["dsr"] = self.dsr_table()
        tables["roster"] = self.roster_table()
        tables["training"] = self.training_table()
        tables["promos"] = self.promos_table()
        return {k: tables[k] for k in ("orders", "chats", "agent_daily", "agent_stats", "refunds",
                                       "traffic", "callbacks", "reminders", "dsr", "training",
                                       "roster", "promos")}

    def ts(self, secs) -> pd.Series:
        """Seconds since the period start → datetime64[ns] (negative = missing)."""
        s = np.asarray(secs, dtype=np.int64)
        out = self.t0.to_datetime64() + s.astype("timedelta64[s]")
        out = pd.Series(out.astype("datetime64[ns]"))
        return out.where(s >= 0)

    def customer_ids(self):
        n = self.cust_next
        codes = self.rng.choice(36 ** 7, n, replace=False)
        alphabet = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"), dtype=object)
        s = np.full(n, "tb_", dtype=object)
        for _ in range(7):
            s = s + alphabet[codes % 36]
            codes //= 36
        self.cid = s

    def orders_table(self) -> pd.DataFrame:
        rng = self.rng
        o = self.o
        N = len(o)
        # buyer details, one set per customer
        cu = np.unique(o["cust"].to_numpy())
        K = len(cu)
        per_prov = np.bincount(_PLACE_PROV, minlength=len(_PROVINCES))
        w = _PROV_P[_PLACE_PROV] / per_prov[_PLACE_PROV]
        place = rng.choice(len(_PLACES), K, p=w / w.sum())
        name = _SURNAMES[rng.integers(0, len(_SURNAMES), K)] + _GIVEN[rng.integers(0, len(_GIVEN), K)]
        phone = _PHONE_PREFIX[rng.integers(0, len(_PHONE_PREFIX), K)] + \
            pd.Series(rng.integers(0, 10**8, K)).astype(str).str.zfill(8).to_numpy(dtype=object)
        detail = np.where(rng.random(K) < 0.6,
                          _ESTATES[rng.integers(0, len(_ESTATES), K)]
                          + pd.Series(rng.integers(1, 30, K)).astype(str).to_numpy(dtype=object) + "栋"
                          + pd.Series(rng.integers(101, 2602, K)).astype(str).to_numpy(dtype=object) + "室",
                          _STREETS[rng.integers(0, len(_STREETS), K)]
                          + pd.Series(rng.integers(1, 999, K)).astype(str).to_numpy(dtype=object) + "号")
        pos = np.searchsorted(cu, o["cust"].to_numpy())
        pl = place[pos]
        paid = o["paid"].to_numpy()
        credit = o["credit"].to_numpy()
        register = (credit >= 0) & (paid >= 0) & (rng.random(N) < 0.34)
        agent = np.where(register, self.a_names[np.clip(credit, 0, None)], None)
        df = pd.DataFrame({
            "order_id": pd.array(o["order_id"].to_numpy(dtype=object), dtype="str"),
            "customer_id": self.cid[o["cust"].to_numpy()],
            "store": np.array(DEMO_STORES, dtype=object)[o["store"].to_numpy()],
            "agent": agent,
            "product": np.array([p[0] for p in DEMO_PRODUCTS], dtype=object)[o["product"].to_numpy()],
            "quantity": pd.array(o["quantity"].to_numpy(), dtype="Int64"),
            "amount": o["amount"].to_numpy(float),
            "order_total": o["order_total"].to_numpy(float),
            "refund_amount": o["refund_amount"].to_numpy(float),
            "status": o["status"].to_numpy(dtype=object),
            "created_at": self.ts(o["created"]),
            "paid_at": self.ts(paid),
            "customer_name": name[pos],
            "phone": phone[pos],
            "address": _PLACE_PREFIX[pl] + " " + detail[pos],
            "province": _PROV_NAMES[_PLACE_PROV[pl]],
            "city": _PLACE_CITY[pl],
        })
        self.orders_df = df
        return _strings(df)

    def chats_table(self) -> pd.DataFrame:
        sess = pd.concat(self.sessions + [self.out_sessions], ignore_index=True).sort_values("sid")
        self.all_sessions = sess
        assert (sess["sid"].to_numpy() == np.arange(len(sess))).all()
        sid = np.concatenate([p[0] for p in self.msg_parts])
        t = np.concatenate([p[1] for p in self.msg_parts])
        sender = np.concatenate([p[2] for p in self.msg_parts])
        rank = np.concatenate([p[3] for p in self.msg_parts])
        txt = np.concatenate([p[4] for p in self.msg_parts])
        # session ids numbered by first message: YYYYMMDD + 5 digits
        first_t = sess["first_t"].to_numpy()
        order = np.lexsort((sess["sid"].to_numpy(), first_t))
        seq = np.empty(len(sess), dtype=np.int64)
        seq[order] = np.arange(len(sess))
        day = first_t // DAY
        day_first = pd.Series(seq).groupby(day).transform("min").to_numpy()
        labels = (self.days[np.clip(sess["day"].to_numpy(), 0, self.nd - 1)].strftime("%Y%m%d")
                  .to_numpy(dtype=object)
                  + pd.Series(seq - day_first + 1).astype(str).str.zfill(5).to_numpy(dtype=object))
        o = np.lexsort((rank, sid, t))
        sid, t, sender, txt = sid[o], t[o], sender[o], txt[o]
        df = pd.DataFrame({
            "sent_at": self.ts(t),
            "agent": self.a_names[sess["agent"].to_numpy()[sid]],
            "customer_id": self.cid[sess["cust"].to_numpy()[sid]],
            "sender": np.array(SENDERS, dtype=object)[sender],
            "session_id": labels[sid],
            "store": np.array(DEMO_STORES, dtype=object)[sess["store"].to_numpy()[sid]],
            "category": np.array(CATEGORIES, dtype=object)[sess["cat"].to_numpy()[sid]],
            "agreed_to_buy": pd.array(sess["agreed"].to_numpy(bool)[sid], dtype="boolean"),
            "text": _TEXTS[txt],
        })
        self.sess_label = labels
        return _strings(df)

    def refunds_table(self) -> pd.DataFrame:
        rng = self.rng
        ref = self.ref.sort_values("applied").reset_index(drop=True)
        o = self.orders_df
        n = len(ref)
        ids = rng.integers(10**17, 9 * 10**17, n, dtype=np.int64)
        ids = np.unique(ids)
        while len(ids) < n:
            ids = np.unique(np.concatenate([ids, rng.integers(10**17, 9 * 10**17, n, dtype=np.int64)]))
        ids = rng.permutation(ids)[:n]
        df = pd.DataFrame({
            "refund_id": ids.astype(str).astype(object),
            "order_id": o["order_id"].to_numpy(dtype=object)[ref["row"].to_numpy()],
            "agent": self.a_names[ref["agent"].to_numpy()],
            "amount": ref["amount"].to_numpy(float),
            "reason": ref["reason"].to_numpy(dtype=object),
            "status": ref["status"].to_numpy(dtype=object),
            "applied_at": self.ts(ref["applied"]),
            "closed_at": self.ts(ref["closed"]),
            "platform_intervened": pd.array(ref["intervened"].to_numpy(bool), dtype="boolean"),
            "responsible_party": ref["party"].to_numpy(dtype=object),
            "phase": ref["phase"].to_numpy(dtype=object),
            "type": ref["type"].to_numpy(dtype=object),
        })
        return _strings(df)

    def reminders_table(self) -> pd.DataFrame:
        r = self.rem.sort_values("sent").reset_index(drop=True)
        o = self.orders_df
        df = pd.DataFrame({
            "sent_at": self.ts(r["sent"]),
            "agent": self.a_names[r["agent"].to_numpy()],
            "order_id": o["order_id"].to_numpy(dtype=object)[r["row"].to_numpy()],
            "customer_id": o["customer_id"].to_numpy(dtype=object)[r["row"].to_numpy()],
        })
        return _strings(df)

    # --- per-agent tallies from the sessions ----------------------------------------------------
    def agent_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        nd = self.nd
        s = pd.concat(self.sessions, ignore_index=True)  # real sessions: customer wrote
        o = self.o
        paid = o["paid"].to_numpy()
        po = pd.DataFrame({"cust": o["cust"].to_numpy(), "paid": paid, "amount": o["amount"].to_numpy(),
                           "qty": o["quantity"].to_numpy()})[paid >= 0]
        # did the customer pay from the session start to the end of day D+3 (D+1)?
        m = s[["sid", "cust", "start", "day"]].merge(po, on="cust")
        win3 = (m["paid"] >= m["start"]) & (m["paid"] < (m["day"] + 4) * DAY)
        win1 = (m["paid"] >= m["start"]) & (m["paid"] < (m["day"] + 2) * DAY)
        s["paid3"] = s["sid"].isin(m.loc[win3, "sid"])
        s["paid1"] = s["sid"].isin(m.loc[win1, "sid"])
        cat = s["cat"]
        pres = cat == PRESALE
        s["is_pre"] = pres
        s["inq"] = pres & ~s["switch"]
        s["sw"] = pres & s["switch"]
        s["inq_failed"] = s["inq"] & ~s["paid3"]
        s["fu"] = cat == FOLLOWUP
        s["fu_failed"] = s["fu"] & ~s["paid3"]
        for c, code in (("silent", SILENT_CHECK), ("as", AFTER_SALES), ("ad", AD), ("other", OTHER)):
            s[c] = cat == code
        g = s.groupby(["day", "agent"], sort=True)
        ad = g.agg(total_received=("sid", "size"), silent_checks=("silent", "sum"),
                   after_sales=("as", "sum"), ad_contacts=("ad", "sum"),
                   brushing_contacts=("other", "sum"), followups=("fu", "sum"),
                   account_switch=("sw", "sum"), followup_failed=("fu_failed", "sum"),
                   inquiry_failed=("inq_failed", "sum")).reset_index()
        daily = pd.DataFrame({"date": self.days[ad["day"].to_numpy()],
                              "agent": self.a_names[ad["agent"].to_numpy()]})
        for c in ad.columns[2:]:
            daily[c] = pd.array(ad[c].to_numpy(), dtype="Int64")
        # the platform's per-agent export (赤兔-like)
        s["consult"] = cat.isin([PRESALE, AFTER_SALES, FOLLOWUP, SILENT_CHECK])
        s["pre_paid3"] = pres & s["paid3"]
        s["pre_paid1"] = pres & s["paid1"]
        s["slow_any"] = s["n_slow"] > 0
        g = s.groupby(["day", "agent"], sort=True)
        st = g.agg(served=("sid", "size"), consulted=("consult", "sum"), inquiries=("is_pre", "sum"),
                   inquiry_paid=("pre_paid3", "sum"), next_day_paid=("pre_paid1", "sum"),
                   replied=("replied", "sum"), avg_response_s=("mean_rt", "mean"),
                   first_response_s=("first_rt", "mean"), slow_responses=("slow_any", "sum"),
                   cmsg=("n_cust_msgs", "sum"), amsg=("n_agent_msgs", "sum")).reset_index()
        # sales: paid orders credited to the latest pre-sale session before payment (3-day window)
        ps = s.loc[pres, ["cust", "start", "day", "agent"]].sort_values("start")
        pp = po.sort_values("paid")
        att = pd.merge_asof(pp, ps, left_on="paid", right_on="start", by="cust", direction="backward")
        att = att[att["agent"].notna() & (att["paid"] < (att["day"] + 4) * DAY)]
        att["pday"] = att["paid"] // DAY
        att["agent"] = att["agent"].astype(int)
        sa = att.groupby(["pday", "agent"]).agg(sales=("amount", "sum"), buyers=("cust", "nunique"),
                                                items=("qty", "sum"))
        sa.index.names = ["day", "agent"]
        st = st.merge(sa.reset_index(), on=["day", "agent"], how="left")
        st[["sales", "buyers", "items"]] = st[["sales", "buyers", "items"]].fillna(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            conv = np.where(st["inquiries"] > 0, st["inquiry_paid"] / st["inquiries"], np.nan)
            aov = np.where(st["buyers"] > 0, st["sales"] / st["buyers"], np.nan)
            ipb = np.where(st["buyers"] > 0, st["items"] / st["buyers"], np.nan)
            aqr = np.where(st["cmsg"] > 0, st["amsg"] / st["cmsg"], np.nan)
        next_day = st["next_day_paid"].astype(float).where(st["day"] < nd - 1)
        stats = pd.DataFrame({
            "date": self.days[st["day"].to_numpy()], "agent": self.a_names[st["agent"].to_numpy()],
            "served": pd.array(st["served"].to_numpy(), dtype="Int64"),
            "consulted": pd.array(st["consulted"].to_numpy(), dtype="Int64"),
            "inquiries": pd.array(st["inquiries"].to_numpy(), dtype="Int64"),
            "inquiry_paid": pd.array(st["inquiry_paid"].to_numpy(), dtype="Int64"),
            "inquiry_conversion": np.round(conv, 4),
            "next_day_paid": pd.array(next_day.to_numpy(), dtype="Int64"),
            "sales": np.round(st["sales"].to_numpy(float), 2),
            "aov": np.round(aov, 2),
            "items_per_buyer": np.round(ipb, 2),
            "reply_rate": np.round(st["replied"] / st["served"], 4).to_numpy(float),
            "avg_response_s": np.round(st["avg_response_s"].to_numpy(float), 1),
            "first_response_s": np.round(st["first_response_s"].to_numpy(float), 1),
            "slow_responses": pd.array(st["slow_responses"].to_numpy(), dtype="Int64"),
            "answer_question_ratio": np.round(aqr, 2),
        })
        self.s_stats = s
        return _strings(daily), _strings(stats)

    def traffic_table(self) -> pd.DataFrame:
        rng, nd = self.rng, self.nd
        s = pd.concat(self.sessions, ignore_index=True)
        pre = s[s["cat"] == PRESALE]
        inq = np.zeros((nd, 2))
        cnt = pre.groupby(["day", "store"])["cust"].nunique()
        inq[cnt.index.get_level_values(0), cnt.index.get_level_values(1)] = cnt.to_numpy()
        od = self.orders_df
        paid = od[od["paid_at"].notna()]
        pday = ((paid["paid_at"] - self.t0) // pd.Timedelta(days=1)).to_numpy()
        pstore = (paid["store"] == DEMO_STORES[1]).to_numpy().astype(int)
        pb = np.zeros((nd, 2))
        buyers = pd.DataFrame({"d": pday, "s": pstore, "c": paid["customer_id"].to_numpy(),
                               "p": paid["province"].to_numpy()})
        cnt = buyers.groupby(["d", "s"])["c"].nunique()
        pb[cnt.index.get_level_values(0), cnt.index.get_level_values(1)] = cnt.to_numpy()
        callin = np.where(self.rel == 0, 0.045, 0.065)[:, None] * np.exp(rng.normal(0, 0.08, (nd, 2)))
        uv = np.rint(np.maximum(inq / callin, pb / 0.12) + 50).astype(int)
        pv = np.rint(uv * rng.uniform(2.8, 4.2, (nd, 2))).astype(int)
        bounce = np.round(np.where(self.rel[:, None] == 0, 0.33, 0.45) + rng.normal(0, 0.03, (nd, 2)), 4)
        stay = np.round(rng.uniform(45, 85, (nd, 2)), 1)
        rows = []
        d_idx, s_idx = np.meshgrid(np.arange(nd), np.arange(2), indexing="ij")
        base = pd.DataFrame({
            "date": self.days[d_idx.ravel()], "store": np.array(DEMO_STORES, dtype=object)[s_idx.ravel()],
            "province": None, "uv": uv.ravel(), "pv": pv.ravel(), "bounce_rate": bounce.ravel(),
            "avg_stay_s": stay.ravel(), "paying_buyers": pb.ravel().astype(int),
        })
        rows.append(base)
        # per province: visitors split by province shares, buyers from the orders
        P = len(_PROVINCES)
        share = rng.dirichlet(_PROV_P * 400, (nd, 2))
        puv = np.zeros((nd, 2, P), dtype=int)
        for d in range(nd):
            for k in range(2):
                puv[d, k] = rng.multinomial(uv[d, k], share[d, k])
        ppb = np.zeros((nd, 2, P), dtype=int)
        pidx = pd.Series(np.arange(P), index=_PROV_NAMES)
        cnt = buyers.assign(pi=pidx.reindex(buyers["p"]).to_numpy()).groupby(["d", "s", "pi"])["c"].nunique()
        ppb[cnt.index.get_level_values(0), cnt.index.get_level_values(1),
            cnt.index.get_level_values(2).astype(int)] = cnt.to_numpy()
        puv = np.maximum(puv, ppb * 3)
        dd, kk, pp = np.meshgrid(np.arange(nd), np.arange(2), np.arange(P), indexing="ij")
        prov = pd.DataFrame({
            "date": self.days[dd.ravel()], "store": np.array(DEMO_STORES, dtype=object)[kk.ravel()],
            "province": _PROV_NAMES[pp.ravel()], "uv": puv.ravel(),
            "pv": np.rint(puv.ravel() * rng.uniform(2.6, 4.4, puv.size)).astype(int),
            "bounce_rate": np.round(np.clip(np.repeat(bounce.ravel(), P) + rng.normal(0, 0.05, puv.size), 0.1, 0.9), 4),
            "avg_stay_s": np.round(np.repeat(stay.ravel(), P) * rng.uniform(0.8, 1.2, puv.size), 1),
            "paying_buyers": ppb.ravel(),
        })
        prov = prov[prov["uv"] > 0]
        rows.append(prov)
        df = pd.concat(rows, ignore_index=True).sort_values(["date", "store"], kind="stable")
        df["province"] = df["province"].astype(object).where(df["province"].notna(), None)
        with np.errstate(invalid="ignore", divide="ignore"):
            df["pay_conversion"] = np.round(np.where(df["uv"] > 0, df["paying_buyers"] / df["uv"], np.nan), 4)
        for c in ("uv", "pv", "paying_buyers"):
            df[c] = pd.array(df[c].to_numpy(), dtype="Int64")
        df = df.reset_index(drop=True)
        return _strings(df)

    def callbacks_table(self) -> pd.DataFrame:
        rng, nd = self.rng, self.nd
        o, od = self.o, self.orders_df
        paid = o["paid"].to_numpy()
        credit = o["credit"].to_numpy()
        cand = np.flatnonzero((paid >= 0) & (credit >= 0) & (rng.random(len(o)) < 0.18))
        day = paid[cand] // DAY + rng.integers(3, 8, len(cand))
        keep = day < nd
        cand, day = cand[keep], day[keep]
        res = rng.choice(4, len(cand), p=[.55, .12, .25, .08])
        note_opts = [np.array(_CALLBACK_NOTES[x], dtype=object) for x in _CALLBACK_RESULTS]
        notes = np.empty(len(cand), dtype=object)
        for r in range(4):
            sel = res == r
            notes[sel] = rng.choice(note_opts[r], sel.sum())
        notes = np.where(notes == "", None, notes)
        df = pd.DataFrame({
            "date": self.days[day], "agent": self.a_names[credit[cand]],
            "order_id": od["order_id"].to_numpy(dtype=object)[cand],
            "customer_id": od["customer_id"].to_numpy(dtype=object)[cand],
            "result": _CALLBACK_RESULTS[res], "notes": notes,
        }).sort_values(["date", "agent"], kind="stable").reset_index(drop=True)
        return _strings(df)

    def dsr_table(self) -> pd.DataFrame:
        rng, nd = self.rng, self.nd
        rows = []
        for k, store in enumerate(DEMO_STORES):
            base = np.array([4.83, 4.86, 4.79]) - 0.02 * k
            walk = np.cumsum(rng.normal(0, 0.006, (nd, 3)), axis=0)
            walk -= walk.mean(0)
            dip = np.zeros((nd, 3))
            after = (self.rel >= 2) & (self.rel <= 9)
            dip[after, 2] = -0.06
            dip[after, 1] = -0.02
            v = np.clip(np.round(base + walk + dip, 2), 4.6, 4.95)
            rows.append(pd.DataFrame({"date": self.days, "store": store, "description": v[:, 0],
                                      "service": v[:, 1], "logistics": v[:, 2]}))
        return _strings(pd.concat(rows, ignore_index=True))

    def roster_table(self) -> pd.DataFrame:
        ag = self.ag
        df = pd.DataFrame({
            "agent": ag["agent"].to_numpy(dtype=object), "team": ag["team"].to_numpy(dtype=object),
            "role": ag["role"].to_numpy(dtype=object),
            "shift_start": ag["shift_start"].to_numpy(dtype=object),
            "shift_end": ag["shift_end"].to_numpy(dtype=object),
            "hired_on": pd.Series(self.hired_on.to_numpy()).astype("datetime64[ns]"),
            "shunt_weight": ag["shunt_weight"].to_numpy(float),
        })
        return _strings(df)

    def training_table(self) -> pd.DataFrame:
        rng = self.rng
        rows = []
        plan = ((6, ("产品知识", "平台规则")), (13, ("话术规范", "售后流程")), (20, ("综合考核",)))
        for i, a in enumerate(DEMO_AGENTS):
            if a["hired_at"] is None:
                continue
            weak = a["skill"] < -0.05
            for w, (off, modules) in enumerate(plan):
                day = self.hired_on[i] + pd.Timedelta(days=off)
                for j, mod in enumerate(modules):
                    if weak and w == 1 and j == 0:
                        score = float(rng.integers(70, 79))
                    else:
                        score = float(rng.integers(80 + 2 * w, 96))
                    rows.append((a["agent"], day, mod, score))
        df = pd.DataFrame(rows, columns=["agent", "date", "module", "score"])
        df = df[df["date"] <= self.days[-1]].reset_index(drop=True)
        df["date"] = df["date"].astype("datetime64[ns]")
        df["score"] = df["score"].astype(float)
        return _strings(df)

    def promos_table(self) -> pd.DataFrame:
        od = self.orders_df
        pday = self.days[self.P]
        paid = od[od["paid_at"].notna() & (od["paid_at"].dt.normalize() == pday)]
        n_orders, sales = len(paid), float(paid["amount"].sum() + paid["refund_amount"].sum())
        rng = self.rng

        def rnd(x, step):
            return float(max(step, round(x / step) * step))

        rows = [(PROMO_NAME, PROMO_DISPLAY_NAME, pday, pday + pd.Timedelta(hours=23, minutes=59, seconds=59),
                 "售前组", None, int(rnd(n_orders * 0.7 * rng.uniform(0.95, 1.1), 10)),
                 rnd(sales * 0.7 * rng.uniform(0.95, 1.1), 1000)),
                (PROMO_NAME, PROMO_DISPLAY_NAME, pday, pday + pd.Timedelta(hours=23, minutes=59, seconds=59),
                 "售后组", None, int(rnd(n_orders * 0.3 * rng.uniform(0.9, 1.1), 10)),
                 rnd(sales * 0.3 * rng.uniform(0.9, 1.1), 1000))]
        on = [i for i, a in enumerate(DEMO_AGENTS) if self.hired_day[i] <= self.P]
        w = self.ag["shunt_weight"].to_numpy(float)[on]
        for i, wi in zip(on, w / w.sum(), strict=True):
            rows.append((PROMO_NAME, PROMO_DISPLAY_NAME, pday,
                         pday + pd.Timedelta(hours=23, minutes=59, seconds=59),
                         DEMO_AGENTS[i]["team"], DEMO_AGENTS[i]["agent"],
                         int(rnd(n_orders * wi, 5)), rnd(sales * wi, 500)))
        df = pd.DataFrame(rows, columns=["name", "display_name", "start", "end", "team", "agent",
                                         "target_orders", "target_sales"])
        df["start"] = df["start"].astype("datetime64[ns]")
        df["end"] = df["end"].astype("datetime64[ns]")
        df["target_orders"] = pd.array(df["target_orders"].to_numpy(), dtype="Int64")
        df["target_sales"] = df["target_sales"].astype(float)
        return _strings(df)


_STR_DTYPE = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


def _strings(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns → pandas' default string dtype (``str`` under pandas 3); missing → NaN."""
    for c in df.columns:
        col = df[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            if _STR_DTYPE == "str":
                df[c] = col.astype("str")
            else:
                df[c] = col.astype(object).where(col.notna(), np.nan)
    return df


def _resolve_end(end) -> pd.Timestamp:
    if end is None:
        end = dt.date.today() - dt.timedelta(days=1)
    return pd.Timestamp(end).normalize()


def generate(weeks: int = 8, seed: int = 1, end=None) -> dict[str, pd.DataFrame]:
    """The demo shop's canonical tables for the ``weeks * 7`` days ending on ``end``.

    ``end``: the last day (date, string or Timestamp; default yesterday). Deterministic for a
    given ``seed`` and ``end``. Returns {table name: DataFrame} for orders, chats,
    agent_daily, agent_stats, refunds, traffic, callbacks, reminders, dsr, training, roster,
    promos, with the canonical columns and dtypes of ``docs/CONVENTIONS.md``.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    end_ts = _resolve_end(end)
    n_days = int(round(weeks * 7))
    start = end_ts - pd.Timedelta(days=n_days - 1)
    gen = _Gen(np.random.default_rng(seed), start, n_days)
    return gen.run()


# =========================================================================================
# raw exports
_ORDERS_ZH = {
    "order_id": "订单编号", "customer_id": "买家会员名", "store": "店铺名称", "agent": "对应负责人",
    "product": "宝贝标题", "quantity": "宝贝总数量", "amount": "买家实际支付金额",
    "order_total": "总金额 ", "refund_amount": "退款金额", "status": "订单状态",
    "created_at": "订单创建时间", "paid_at": "订单付款时间 ", "customer_name": "收货人姓名",
    "phone": "联系手机", "address": "收货地址",
}
_CHATS_ZH = {
    "sent_at": "消息时间", "agent": "客服", "customer_id": "买家", "sender": "发送方角色",
    "session_id": "会话ID", "store": "店铺", "category": "类型", "agreed_to_buy": "约定下单",
    "text": "内容",
}
_AGENT_DAILY_ZH = {
    "date": "日期", "agent": "负责人", "total_received": "总接待人数", "silent_checks": "静默下单",
    "after_sales": "售后咨询", "ad_contacts": "广告接待", "brushing_contacts": "刷单接待",
    "followups": "追单人数", "account_switch": "换号拍", "followup_failed": "追单未成交人数",
    "inquiry_failed": "询单未成交人数",
}
_AGENT_STATS_ZH = {
    "agent": "客服", "served": "接待人数", "consulted": "咨询人数", "inquiries": "询单人数",
    "inquiry_paid": "询单->最终付款人数", "inquiry_conversion": "询单->最终付款成功率",
    "next_day_paid": "询单->次日付款人数", "sales": "销售额", "aov": "客单价",
    "items_per_buyer": "客件数", "reply_rate": "客服回复率 ", "avg_response_s": "平均响应时间",
    "first_response_s": "首次响应时间", "slow_responses": "慢响应人数",
    "answer_question_ratio": "客服答问比",
}
_REFUNDS_ZH = {
    "refund_id": "退款编号", "order_id": "订单编号", "agent": "客服", "amount": "买家退款金额",
    "reason": "买家退款原因", "status": "退款状态", "applied_at": "退款的申请时间",
    "closed_at": "退款完结时间", "platform_intervened": "客服介入状态",
    "responsible_party": "责任方", "phase": "售中或售后", "type": "售后类型",
}
_TRAFFIC_ZH = {
    "date": "日期", "store": "店铺名称", "province": "省份", "uv": "访客数", "pv": "浏览量",
    "bounce_rate": "跳失率", "avg_stay_s": "平均停留时长", "paying_buyers": "支付买家数",
    "pay_conversion": "支付转化率",
}
_CALLBACKS_ZH = {"date": "回访日期", "agent": "客服", "order_id": "订单编号", "customer_id": "买家",
                 "result": "回访结果", "notes": "备注"}
_REMINDERS_ZH = {"sent_at": "催付时间", "agent": "客服", "order_id": "订单编号", "customer_id": "买家"}
_DSR_ZH = {"date": "日期", "store": "店铺", "description": "描述相符", "service": "服务态度",
           "logistics": "物流服务"}
_TRAINING_ZH = {"agent": "客服", "date": "考核日期", "module": "考核模块", "score": "成绩"}
_ROSTER_ZH = {"agent": "客服", "team": "组别", "role": "岗位", "shift_start": "上班时间",
              "shift_end": "下班时间", "hired_on": "入职日期", "shunt_weight": "分流权重"}
_ROLE_ZH = {"presale": "售前", "after_sales": "售后", "both": "售前+售后"}
_PROMOS_ZH = {"name": "活动名称", "display_name": "活动显示名", "start": "开始时间", "end": "结束时间",
              "team": "组别", "agent": "客服", "target_orders": "目标单量", "target_sales": "目标销售额"}

#: chats as xlsx (True) or as CSV (False: UTF-8 with BOM, the second week GBK); openpyxl
#: needs ~40 s for 8 weeks of messages, CSV ~2 s
CHATS_AS_XLSX = False


def _cells(s: pd.Series) -> list:
    """Python values for a writer: NaN/NaT/NA → None, numpy scalars → Python scalars."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        arr = s.dt.to_pydatetime() if hasattr(s.dt, "to_pydatetime") else s.tolist()
        arr = np.asarray(arr, dtype=object)
        return np.where(s.isna().to_numpy(), None, arr).tolist()
    return s.astype(object).where(s.notna(), None).tolist()


def _week_labels(d: pd.Series) -> pd.Series:
    iso = d.dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(int).astype(str).str.zfill(2)


def _rows_from(df: pd.DataFrame, header: dict[str, str]) -> tuple[list[str], dict[str, list]]:
    cols = {c: _cells(df[c]) for c in header if c in df.columns}
    return [header[c] for c in cols], cols


def _write_xlsx(path: Path, header: list[str], columns: list[list], *, banner=(), footer=(),
                sheet: str = "Sheet1") -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)

    def text_cell(v):  # `="…"` is text in the export, not a formula
        cell = WriteOnlyCell(ws, v)
        cell.data_type = "s"
        return cell

    for line in banner:
        ws.append([line] if line else [])
    ws.append(header)
    for row in zip(*columns, strict=True):
        if any(isinstance(v, str) and v.startswith("=") for v in row):
            row = [text_cell(v) if isinstance(v, str) and v.startswith("=") else v for v in row]
        ws.append(row)
    for row in footer:
        ws.append(row)
    wb.save(path)
    return path


def _yuan(v) -> str:
    return f"¥{v:,.2f}"


def _mess_ids(values: list, rng: np.random.Generator, p_quote=0.04, p_formula=0.03) -> list:
    u = rng.random(len(values))
    return [v if v is None else ("'" + v if x < p_quote else
                                 (f'="{v}"' if x < p_quote + p_formula else v))
            for v, x in zip(values, u, strict=True)]


def _pct(v) -> str | None:
    return None if v is None else f"{v * 100:.2f}%"


def _mmss(v) -> str | None:
    if v is None:
        return None
    m, s = divmod(int(round(v)), 60)
    return f"{m}分{s}秒" if m else f"{s}秒"


def write_exports(tables: dict[str, pd.DataFrame], out_dir, seed: int = 1) -> list[Path]:
    """Write ``tables`` (from :func:`generate`) as the raw exports a real shop would have.

    xlsx files with Chinese headers, one per table per ISO week (``orders_2026-W45.xlsx``),
    one per day for the agent performance export (``客服绩效_YYYY-MM-DD.xlsx``, the date only
    in the name) and single files for callbacks, reminders, dsr, roster, promos and training.
    Messiness that loaders must absorb (and that keeps every row loadable): banner rows above
    some headers, trailing spaces in some headers, amounts as ``¥1,234.00`` text, IDs with a
    leading ``'`` or as ``="…"``, text dates in one week, ``合计`` / ``汇总`` rows, durations
    as ``1分20秒``, rates as ``45.23%``, ``店铺:昵称`` agent labels, ``延迟统计`` placeholders.
    Returns the written paths.
    """
    rng = np.random.default_rng(seed + 7919)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    files += _export_orders(tables["orders"], out, rng)
    files += _export_chats(tables["chats"], out, rng)
    files += _export_agent_daily(tables["agent_daily"], out, rng)
    files += _export_agent_stats(tables["agent_stats"], out, rng)
    files += _export_refunds(tables["refunds"], out, rng)
    files += _export_traffic(tables["traffic"], out)
    files += _export_simple(tables, out)
    return files


def _period_text(d: pd.Series) -> str:
    return f"{d.min():%Y-%m-%d} 至 {d.max():%Y-%m-%d}"


def _export_orders(o: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    weeks = _week_labels(o["created_at"])
    for i, (label, part) in enumerate(o.groupby(weeks, sort=True)):
        header, cols = _rows_from(part, _ORDERS_ZH)
        cols["status"] = [_STATUS_ZH.get(v, v) for v in cols["status"]]
        cols["order_id"] = _mess_ids(cols["order_id"], rng)
        cols["phone"] = _mess_ids(cols["phone"], rng, 0.03, 0.0)
        money = rng.random(len(part)) < 0.06
        for c in ("amount", "order_total"):
            cols[c] = [_yuan(v) if m and v is not None else v for v, m in zip(cols[c], money, strict=True)]
        if i == 1:  # one week exported with text timestamps
            for c in ("created_at", "paid_at"):
                cols[c] = [None if v is None else f"{v:%Y/%m/%d %H:%M:%S}" for v in cols[c]]
        total = ["合计"] + [None] * (len(header) - 1)
        names = list(cols)
        for c in ("amount", "order_total", "refund_amount"):
            total[names.index(c)] = round(float(part[c].sum()), 2)
        total[names.index("quantity")] = int(part["quantity"].sum())
        d = part["created_at"].dt.normalize()
        banner = (f"店铺订单报表 {_period_text(d)}", None) if i % 2 == 0 else ()
        files.append(_write_xlsx(out / f"orders_{label}.xlsx", header, list(cols.values()),
                                 banner=banner, footer=[total], sheet="订单报表"))
    return files


def _export_chats(c: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    weeks = _week_labels(c["sent_at"])
    for i, (label, part) in enumerate(c.groupby(weeks, sort=True)):
        header, cols = _rows_from(part, _CHATS_ZH)
        cols["sender"] = pd.Series(cols["sender"]).map(_SENDER_ZH).tolist()
        cols["category"] = pd.Series(cols["category"]).map(_CATEGORY_ZH).tolist()
        cols["agreed_to_buy"] = ["是" if v else "否" for v in cols["agreed_to_buy"]]
        if CHATS_AS_XLSX:
            files.append(_write_xlsx(out / f"chats_{label}.xlsx", header, list(cols.values()),
                                     sheet="聊天记录"))
        else:
            df = pd.DataFrame(dict(zip(header, cols.values(), strict=True)))
            df[header[0]] = part["sent_at"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
            enc = "gbk" if i == 1 else "utf-8-sig"
            path = out / f"chats_{label}.csv"
            df.to_csv(path, index=False, encoding=enc)
            files.append(path)
    return files


def _export_agent_daily(a: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    weeks = _week_labels(a["date"])
    for i, (label, part) in enumerate(a.groupby(weeks, sort=True)):
        header, cols = _rows_from(part, _AGENT_DAILY_ZH)
        if i == 2:  # typed by hand as text in one week
            cols["date"] = [f"{v.year}/{v.month}/{v.day}" for v in cols["date"]]
        else:
            cols["date"] = [v.date() for v in cols["date"]]
        total = ["合计", None] + [int(part[c].sum()) for c in list(cols)[2:]]
        files.append(_write_xlsx(out / f"agent_daily_{label}.xlsx", header, list(cols.values()),
                                 footer=[total], sheet="每日接待登记"))
    return files


def _export_agent_stats(s: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    for i, (day, part) in enumerate(s.groupby("date", sort=True)):
        header, cols = _rows_from(part, _AGENT_STATS_ZH)
        if i % 3 == 0:
            cols["agent"] = [f"{DEMO_STORES[0]}:{v}" for v in cols["agent"]]
        for c in ("inquiry_conversion", "reply_rate"):
            if i % 4 != 3:  # most files: percentages as text
                cols[c] = [_pct(v) for v in cols[c]]
        if i % 2 == 0:
            for c in ("avg_response_s", "first_response_s"):
                cols[c] = [_mmss(v) for v in cols[c]]
        cols["next_day_paid"] = ["延迟统计" if v is None else v for v in cols["next_day_paid"]]
        for c in ("aov", "inquiry_conversion", "items_per_buyer", "avg_response_s",
                  "first_response_s", "answer_question_ratio"):
            cols[c] = ["-" if v is None else v for v in cols[c]]
        # 汇总 row
        served = int(part["served"].sum())
        inq = int(part["inquiries"].sum())
        paid = int(part["inquiry_paid"].sum())
        summary = {
            "agent": "汇总", "served": served, "consulted": int(part["consulted"].sum()),
            "inquiries": inq, "inquiry_paid": paid,
            "inquiry_conversion": round(paid / inq, 4) if inq else None,
            "next_day_paid": "延迟统计" if part["next_day_paid"].isna().any()
            else int(part["next_day_paid"].sum()),
            "sales": round(float(part["sales"].sum()), 2),
            "aov": round(float(part["aov"].mean()), 2),
            "items_per_buyer": round(float(part["items_per_buyer"].mean()), 2),
            "reply_rate": round(float((part["reply_rate"] * part["served"]).sum() / served), 4),
            "avg_response_s": round(float(part["avg_response_s"].mean()), 1),
            "first_response_s": round(float(part["first_response_s"].mean()), 1),
            "slow_responses": int(part["slow_responses"].sum()),
            "answer_question_ratio": round(float(part["answer_question_ratio"].mean()), 2),
        }
        if i % 4 != 3:
            summary["inquiry_conversion"] = _pct(summary["inquiry_conversion"])
            summary["reply_rate"] = _pct(summary["reply_rate"])
        if i % 2 == 0:
            summary["avg_response_s"] = _mmss(summary["avg_response_s"])
            summary["first_response_s"] = _mmss(summary["first_response_s"])
        footer = [[summary[c] for c in cols]]
        files.append(_write_xlsx(out / f"客服绩效_{day:%Y-%m-%d}.xlsx", header, list(cols.values()),
                                 footer=footer, sheet="客服绩效"))
    return files


def _export_refunds(r: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    weeks = _week_labels(r["applied_at"])
    for i, (label, part) in enumerate(r.groupby(weeks, sort=True)):
        header, cols = _rows_from(part, _REFUNDS_ZH)
        cols["order_id"] = _mess_ids(cols["order_id"], rng, 0.05, 0.02)
        cols["refund_id"] = _mess_ids(cols["refund_id"], rng, 0.03, 0.0)
        yuan = rng.random(len(part)) < 0.05
        cols["amount"] = [f"{v:.2f}元" if m else v for v, m in zip(cols["amount"], yuan, strict=True)]
        cols["platform_intervened"] = ["客服已经介入" if v else "未介入"
                                       for v in cols["platform_intervened"]]
        banner = (f"退款管理 导出时间 {part['applied_at'].max():%Y-%m-%d}", None) if i % 3 == 1 else ()
        files.append(_write_xlsx(out / f"refunds_{label}.xlsx", header, list(cols.values()),
                                 banner=banner, sheet="退款"))
    return files


def _export_traffic(t: pd.DataFrame, out: Path) -> list[Path]:
    files = []
    weeks = _week_labels(t["date"])
    for label, part in t.groupby(weeks, sort=True):
        header, cols = _rows_from(part, _TRAFFIC_ZH)
        cols["date"] = [v.date() for v in cols["date"]]
        for c in ("bounce_rate", "pay_conversion"):
            cols[c] = [_pct(v) for v in cols[c]]
        banner = ("生意参谋 | 流量看板", f"统计时间：{_period_text(part['date'])}", None)
        files.append(_write_xlsx(out / f"traffic_{label}.xlsx", header, list(cols.values()),
                                 banner=banner, sheet="流量概况"))
    return files


def _export_simple(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    files = []
    for name, zh, fname, sheet in (
        ("callbacks", _CALLBACKS_ZH, "回访记录.xlsx", "回访"),
        ("reminders", _REMINDERS_ZH, "催付记录.xlsx", "催付"),
        ("dsr", _DSR_ZH, "店铺DSR.xlsx", "DSR"),
        ("training", _TRAINING_ZH, "新人考核.xlsx", "考核"),
        ("roster", _ROSTER_ZH, "roster.xlsx", "客服名单"),
        ("promos", _PROMOS_ZH, "promos.xlsx", "活动目标"),
    ):
        df = tables[name]
        header, cols = _rows_from(df, zh)
        for c in ("date", "hired_on"):
            if c in cols:
                cols[c] = [None if v is None else v.date() for v in cols[c]]
        if name == "roster":
            cols["role"] = [_ROLE_ZH.get(v, v) for v in cols["role"]]
        files.append(_write_xlsx(out / fname, header, list(cols.values()), sheet=sheet))
    return files


def build_demo(out_dir, weeks: int = 8, seed: int = 1, end=None, progress: bool = True) -> dict:
    """Generate the demo shop and write its raw exports to ``out_dir``.

    Returns ``{"tables": {name: DataFrame}, "files": [Path, ...]}``. Ingesting the files into
    a store is the caller's business (``csops_lib.demo_store``).
    """
    t = time.monotonic()
    tables = generate(weeks=weeks, seed=seed, end=end)
    if progress:
        print(f"demo: generated {weeks} weeks ({len(tables['chats']):,} chat messages, "
              f"{len(tables['orders']):,} orders) in {time.monotonic() - t:.1f} s", flush=True)
    t = time.monotonic()
    files = write_exports(tables, out_dir, seed=seed)
    scores = write_supervisor_scores(supervisor_scores(tables, seed=seed), out_dir)
    files.append(scores)
    if progress:
        print(f"demo: wrote {len(files)} export files to {out_dir} in "
              f"{time.monotonic() - t:.1f} s", flush=True)
    return {"tables": tables, "files": files, "supervisor_scores": scores}


# =========================================================================================
# the supervisor's monthly scores (主管评分): a sheet the supervisor keeps, ingested like the
# exports (table supervisor_scores) and read by the scorecard from the store
SUPERVISOR_SCORES_FILE = Path("主管评分.xlsx")
_SUPERVISOR_ZH = {"month": "月份", "agent": "客服", "teamwork": "团队协作", "attitude": "服务态度",
                  "discipline": "工作纪律", "satisfaction": "客户满意度", "notes": "备注"}


def supervisor_scores(tables: dict[str, pd.DataFrame], seed: int = 1) -> pd.DataFrame:
    """The supervisor's scores per agent and month of the demo period (0-100; satisfaction a
    fraction), for every agent hired by the end of the month. Uses its own random stream, so
    the other tables are the same with or without it."""
    rng = np.random.default_rng(seed + 4241)
    roster = tables["roster"].set_index("agent")
    sent = tables["chats"]["sent_at"]
    months = pd.period_range(sent.min(), sent.max(), freq="M")
    skill = {a["agent"]: a["skill"] for a in DEMO_AGENTS}
    rows = []
    for m in months:
        for agent, r in roster.iterrows():
            if pd.notna(r["hired_on"]) and r["hired_on"] > m.end_time:
                continue
            base = 86.0 + 60.0 * skill.get(agent, 0.0)
            tw, at, di = np.clip(np.round(base + rng.normal(0, 3.0, 3)), 60, 100)
            sat = float(np.clip(round(0.93 + 0.5 * skill.get(agent, 0.0)
                                      + rng.normal(0, 0.01), 3), 0.8, 1.0))
            note = "新人" if pd.notna(r["hired_on"]) and r["hired_on"] >= m.start_time else None
            rows.append((m.start_time, agent, float(tw), float(at), float(di), sat, note))
    df = pd.DataFrame(rows, columns=["month", "agent", "teamwork", "attitude", "discipline",
                                     "satisfaction", "notes"])
    df["month"] = df["month"].astype("datetime64[ns]")
    return _strings(df)


def write_supervisor_scores(scores: pd.DataFrame, out_dir) -> Path:
    """Write the supervisor's sheet as ``<out_dir>/主管评分.xlsx``, months as ``2026-11`` and
    satisfaction as ``96.5%`` the way a supervisor types them."""
    path = Path(out_dir) / SUPERVISOR_SCORES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    header, cols = _rows_from(scores, _SUPERVISOR_ZH)
    cols["month"] = [v.strftime("%Y-%m") for v in cols["month"]]
    cols["satisfaction"] = [f"{v:.1%}" for v in cols["satisfaction"]]
    return _write_xlsx(path, header, list(cols.values()), sheet="主管评分")
