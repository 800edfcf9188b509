/**
 * Telling Traditional from Simplified Chinese. cld3 answers `zh` for both,
 * while Comprehend distinguishes `zh` from `zh-TW`. Each string below holds
 * characters of one script whose counterpart in the other script is a
 * different code point (們/们, 這/这, ...), position i of one matching position
 * i of the other; characters shared by both scripts carry no evidence and are
 * ignored. The pairs were chosen among frequent words of everyday and support
 * text, leaving out pairs whose simplified form is also common in
 * Traditional text (只, 复).
 */
const TRADITIONAL =
  '們這個來說國會為時對學後過還麼動開問題與長發經現點體區電話買賣書車東門見氣愛聽讀寫認識謝請語號網務費單訂貨無錢間關頁應歡樂馬鳥魚雲飛機幾廣嗎讓從實種員產業場總統計設處辦帳錄帶壞兩換給裝戶碼級線紅綠藍輸義變萬億鐘錯難雙歲華灣腦術際陸圖備舊歷師確節團園遠運進選邊態據離頭風館驗麗黃齊龍兒黨條極樣標權歸殺決況減溫滿漢熱爭獎環畫當療盡監眾禮稱筆範簡紀約紙組細終結絕維綜緊練績續織聯聲職腳興舉衛補視覺觀記許試詳課調談論證護貓負財責質購賽趕較輕載農達遲適鄉醫針鋼鎮閱隊陽階隨險雖雞靈響順須預領頻顯飯飲驚擊傳價優儲則剛創劃勞勢協廠參吳啟囉圍報壓夠夢奪婦孫寧寶將屬島帥幣廳張彈徑恆惡慣憶戰擇擔擁擴數斷';
const SIMPLIFIED =
  '们这个来说国会为时对学后过还么动开问题与长发经现点体区电话买卖书车东门见气爱听读写认识谢请语号网务费单订货无钱间关页应欢乐马鸟鱼云飞机几广吗让从实种员产业场总统计设处办账录带坏两换给装户码级线红绿蓝输义变万亿钟错难双岁华湾脑术际陆图备旧历师确节团园远运进选边态据离头风馆验丽黄齐龙儿党条极样标权归杀决况减温满汉热争奖环画当疗尽监众礼称笔范简纪约纸组细终结绝维综紧练绩续织联声职脚兴举卫补视觉观记许试详课调谈论证护猫负财责质购赛赶较轻载农达迟适乡医针钢镇阅队阳阶随险虽鸡灵响顺须预领频显饭饮惊击传价优储则刚创划劳势协厂参吴启啰围报压够梦夺妇孙宁宝将属岛帅币厅张弹径恒恶惯忆战择担拥扩数断';

const traditionalSet: ReadonlySet<string> = new Set(TRADITIONAL);
const simplifiedSet: ReadonlySet<string> = new Set(SIMPLIFIED);

/**
 * `zh-TW` when the text holds more Traditional-only than Simplified-only
 * characters, else `zh` (also when neither appears: Simplified is by far the
 * more common written form, and Comprehend's `zh` is its default).
 */
export function chineseVariant(text: string): 'zh' | 'zh-TW' {
  let traditional = 0;
  let simplified = 0;
  for (const ch of text) {
    if (traditionalSet.has(ch)) traditional++;
    else if (simplifiedSet.has(ch)) simplified++;
  }
  return traditional > simplified ? 'zh-TW' : 'zh';
}
