"""Each indicator gets the aggregation rule its name and target suggest (docs/rules/aggregation.md §2)."""

import pytest

from kpi.domain.aggregation import Aggregation, infer_aggregation
from kpi.domain.targets import parse_target

CUM, RATE, LEVEL = Aggregation.CUMULATIVE, Aggregation.RATE, Aggregation.LEVEL
QUAL, DEADLINE, BUDGET = Aggregation.QUALITATIVE, Aggregation.DEADLINE, Aggregation.BUDGET

# The 67 indicators of the seed's 单位整体支出绩效目标表 (name, target as printed, expected rule).
# 年处理投诉数量 is the indicator whose name the PDF split over two lines (docs/rules/targets.md §6).
SEED_INDICATORS = [
    ("新增放心消费承诺、线下无理由退货承诺企业数量", "≥1000家", CUM),
    ("历史创建企业信息维护、承诺实施情况监督数量", "≥4000家", CUM),
    ("志愿者培训数量", "20场", CUM),
    ("志愿者活动数量", "40场", CUM),
    ("开展重点消费领域监督调查", "2个", CUM),
    ("办公电脑、办公设备及相关终端的软硬件维护次数", "500次", CUM),
    ("提供全方位终端安全软件次数", "60次", CUM),
    ("远程会议、网络管理运维服务次数", "150次", CUM),
    ("协助文件和各类信息的报送和传递数量", "≥2000件", CUM),
    ("开展法律监督次数", "5次", CUM),
    ("深圳市消费者满意度深度调查样本数量", "3000个", CUM),
    ("投诉调解辅助服务", "≥19000宗", CUM),
    ("投诉工单审核辅助服务", "≥7000宗", CUM),
    ("投诉分级公示辅助服务", "≥18000 宗", CUM),
    ("增加和解企业", "≥2000 家", CUM),
    ("投诉统计分析报告", "≥30 份", CUM),
    ("接听消费者投诉咨询电话", "≥100000 个", CUM),
    ("官方微信公众号更新信息次数", "≥500 篇次", CUM),
    ("315 活动次数", "≥1 场次", CUM),
    ("开展消费教育活动次数", "≥5 次", CUM),
    ("制作消费教育创意短片", "4 个", CUM),
    ("开展商品或服务比较试验", "5 个", CUM),
    ("报刊杂志资料订阅数量", "≥60 份", CUM),
    ("单位伙食保障人数", "27 人", LEVEL),
    ("开展消委会业务培训数量", "≥1 场", CUM),
    (
        "落实信息安全制度、服务外包管理、信息资产排查、政务新媒体、移动 app 检测、应急体系建设、"
        "终端安全检测、安全防护落实、安全扫描、渗透测试次数",
        "10 次",
        CUM,
    ),
    ("深圳市消费者委员会网站、“315 消费通”平台信息安全等级保护测评次数", "2 次", CUM),
    ("对“315 消费通“功能进行优化完善、外部系统数据对接及相关技术支持服务次数", "15 次", CUM),
    ("建立和完善消费领域基础数据库数量", "5000 个", CUM),
    (
        "”315 消费通“平台 16 个子系统的原始代码及数据库基础维护工作次数，包括稳定性维护，系统漏洞修复，"
        "系统及数据库备份，功能修复工作，不包含新功能开发。",
        "24 次",
        CUM,
    ),
    ("“315 消费通”平台服务器及服务器安全保障服务项目数量", "12 项", CUM),
    ("重新构建及升级平台数量", "1 个", CUM),
    ("建设“在线视频调解”系统数量", "1 个", CUM),
    ("建设“消费维权服务站”系统数量", "1 个", CUM),
    ("大数据智慧监测和智慧屏幕监控系统数量", "1 个", CUM),
    ("购买办公电脑数量", "12 台", CUM),
    ("购买网络存储服务器数量", "1 个", CUM),
    ("购买相机镜头数量", "1 个", CUM),
    ("购买录音笔数量", "1 支", CUM),
    ("参加党员活动数量", "≥1 次", CUM),
    ("参与共享国际商品比较试验", "3 个", CUM),
    ("召开专家论证会", "5 次", CUM),
    ("拍摄禁烟宣传视频数量", "1 条", CUM),
    ("拍摄深圳市消委会 2022 年度总结宣传片数量", "1 条", CUM),
    ("IT 运维服务项目验收合格率", "100%", RATE),
    ("单位伙食覆盖率", "100%", RATE),
    ("办公设备购置的验收情况", "合格", QUAL),
    ("市区消委会调解员培训覆盖率", "≥60%", RATE),
    ("深圳市消委会 2022 年度总结宣传片验收程度", "合格", QUAL),
    ("核检人数覆盖率", "≥90%", RATE),
    ("开展重点消费领域监督调查服务项目验收合格率", "100%", RATE),
    ("放心消费创建工作辅助服务项目验收合格率", "100%", RATE),
    ("投诉处理总成功率", "≥50%", RATE),
    ("项目完成时间", "2023 年 12 月 31 日前", DEADLINE),
    ("项目支出金额", "≤预算金额", BUDGET),
    ("比较试验成果发布影响力", "≥60 篇次", CUM),
    ("3.15 及消费教育工作影响力", "≥60 篇次", CUM),
    ("年处理投诉数量", "≥5 万宗", CUM),
    ("满足投诉处理业务需要", "满足", QUAL),
    ("重点消费领域监督调查社会知晓度", "≥10 家新闻媒体报道", CUM),
    ("新增放心消费承诺、线下无理由退货承诺企业覆盖范围", "≥深圳市 5 个行政区", LEVEL),
    ("志愿者活动覆盖范围", "≥深圳市 5 个行政区", LEVEL),
    ("深圳市消费者满意度深度调查覆盖范围", "≥深圳市 8 个行政区", LEVEL),
    ("用户针对系统运行的投诉次数", "≤10 次", CUM),
    ("干部职工满意度", "比较满意", QUAL),
    ("消费教育活动满意度", "≥80%", RATE),
    ("投诉处理消费者满意度", "≥50%", RATE),
]


def test_the_seed_table_has_67_indicators():
    assert len(SEED_INDICATORS) == 67


@pytest.mark.parametrize(("name", "target", "rule"), SEED_INDICATORS)
def test_every_seed_indicator_gets_the_rule_its_name_and_target_suggest(name, target, rule):
    assert infer_aggregation(name, parse_target(target)) is rule


@pytest.mark.parametrize(
    ("name", "target", "rule"),
    [
        ("在编人员数量", "45人", LEVEL),
        ("在职职工", "30人", LEVEL),
        ("公务用车保有量", "≤3辆", LEVEL),
        ("结转资金余额", "≤10万元", LEVEL),
        ("开展巡查覆盖", "≥3个行政区", LEVEL),
    ],
)
def test_stock_like_quantities_are_levels_not_sums(name, target, rule):
    assert infer_aggregation(name, parse_target(target)) is rule


@pytest.mark.parametrize(
    ("name", "target", "rule"),
    [
        ("培训支出", "≤90万元", CUM),
        ("设备购置成本", "250万", CUM),
        ("投诉响应时间", "≤15天", LEVEL),
        ("办结时限", "30个工作日内", LEVEL),
        ("项目实施周期", "2023.07-2024.01", DEADLINE),
        ("项目完成时间", "2023年底前", DEADLINE),
        ("服务对象满意度", "95", RATE),
        ("群众满意度", "≥90分", RATE),
        ("成本控制", "不超过预算", BUDGET),
        ("社会效益", "效果明显", QUAL),
    ],
)
def test_money_adds_up_durations_are_levels_and_dates_are_deadlines(name, target, rule):
    assert infer_aggregation(name, parse_target(target)) is rule


@pytest.mark.parametrize("name", [None, ""])
def test_a_missing_name_falls_back_to_the_target_alone(name):
    assert infer_aggregation(name, parse_target("≥5次")) is CUM
    assert infer_aggregation(name, parse_target("≥95%")) is RATE
