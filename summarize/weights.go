package summarize

// Sentence model weights (features.go), fitted on the labelled abstracts by
// PAPERBOY_FIT=1 PAPERBOY_FIT_OUT=$PWD/weights.go go test -run TestFitSentenceModels .
// Do not edit by hand.

// ideaPrior is the share of labelled abstracts whose idea one sentence states.
const ideaPrior = 0.7819

var (
	ideaWeights = [nFeatures]float64{
		fBias:              0.0000,  // bias
		fFirst:             -1.4126, // first
		fLast:              -1.0539, // last
		fRelPos:            -0.0632, // relpos
		fRelPos2:           -1.4635, // relpos2
		fWeVerb:            0.5763,  // we-verb
		fPaperVerb:         1.0135,  // paper-verb
		fMethodCue:         0.0171,  // method-cue
		fResultCue:         -0.0597, // result-cue
		fNumber:            -0.1425, // number
		fNamed:             0.2403,  // named
		fBackground:        -0.2108, // background
		fLink:              -0.0888, // link
		fShort:             0.0987,  // short
		fLong:              -0.5924, // long
		fLogLen:            1.3388,  // loglen
		fInsight:           0.6831,  // insight
		fSpecifically:      -0.3452, // specifically
		fMechanism:         0.5647,  // mechanism
		fShow:              -0.5760, // show
		fFirstContrib:      0.1763,  // first-contrib
		fAfterContrib:      -0.1396, // after-contrib
		fBeforeContrib:     -0.4535, // before-contrib
		fWeOur:             1.3503,  // we-our
		fQuestion:          0.2109,  // question
		fContrast:          -0.1354, // contrast
		fNovel:             -0.0580, // novel
		fOutperform:        -0.6205, // outperform
		fExperiments:       -0.1915, // experiments
		fAim:               0.5478,  // aim
		fEnables:           -0.2224, // enables
		fDataset:           -0.2005, // dataset
		fComponent:         0.5307,  // component
		fNextContrib:       0.5565,  // next-contrib
		fFirstWe:           -0.1525, // first-we
		fBeforeResult:      0.0011,  // before-result
		fAfterNamed:        0.8874,  // after-named
		fSubject:           0.1537,  // subject
		fAfterShortContrib: 0.4584,  // after-short-contrib
		fLongContrib:       0.3942,  // long-contrib
		fNextElaborates:    0.2439,  // next-elaborates
		fPrevElaborated:    0.8054,  // prev-elaborated
	}
	eitherWeights = [nFeatures]float64{
		fBias:              -2.5886, // bias
		fFirst:             -0.4897, // first
		fLast:              0.3312,  // last
		fRelPos:            0.4150,  // relpos
		fRelPos2:           0.3091,  // relpos2
		fWeVerb:            0.2148,  // we-verb
		fPaperVerb:         0.0993,  // paper-verb
		fMethodCue:         0.3207,  // method-cue
		fResultCue:         0.2439,  // result-cue
		fNumber:            0.1487,  // number
		fNamed:             0.0705,  // named
		fBackground:        -0.1483, // background
		fLink:              -0.2407, // link
		fShort:             -0.0587, // short
		fLong:              -0.0098, // long
		fLogLen:            0.9296,  // loglen
		fInsight:           0.1809,  // insight
		fSpecifically:      -0.0353, // specifically
		fMechanism:         0.3543,  // mechanism
		fShow:              0.1411,  // show
		fFirstContrib:      0.3631,  // first-contrib
		fAfterContrib:      0.0492,  // after-contrib
		fBeforeContrib:     -0.5694, // before-contrib
		fWeOur:             0.4650,  // we-our
		fQuestion:          0.0281,  // question
		fContrast:          -0.0636, // contrast
		fNovel:             0.0876,  // novel
		fOutperform:        0.3643,  // outperform
		fExperiments:       0.4227,  // experiments
		fAim:               0.1089,  // aim
		fEnables:           0.0031,  // enables
		fDataset:           0.1666,  // dataset
		fComponent:         0.0481,  // component
		fNextContrib:       0.2529,  // next-contrib
		fFirstWe:           0.0065,  // first-we
		fBeforeResult:      -0.0093, // before-result
		fAfterNamed:        0.2810,  // after-named
		fSubject:           -0.0110, // subject
		fAfterShortContrib: 0.3104,  // after-short-contrib
		fLongContrib:       0.3903,  // long-contrib
		fNextElaborates:    -0.0080, // next-elaborates
		fPrevElaborated:    0.2348,  // prev-elaborated
	}
)
